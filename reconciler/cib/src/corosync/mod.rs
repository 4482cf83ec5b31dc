//! `corosync.conf`: parse (as Corosync reads it) and render (from the Model).
