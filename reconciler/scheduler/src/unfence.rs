//! Unfencing, as Pacemaker 2.1.5 does it: once any resource (or the resource defaults) has
//! `provides=unfencing` (fence_scsi, fence_mpath), a node must be unfenced ("fenced" with the
//! `on` action) before it probes or starts fencing devices, or resources that require
//! unfencing (`requires=unfencing`, the default then for every resource but fencing devices).
//! A node whose `#node-unfenced` attribute is missing or `0` has never been unfenced, and the
//! first probe or start that needs it makes its unfencing required
//! (`pcmk__order_vs_unfence`, `trigger_unfencing`); resources that require unfencing stop
//! before their node is unfenced. A fencing device whose definition changed unfences the
//! nodes it runs on again.

use crate::unpack::WorkingSet;
use quorate_schema::model::Resource;

impl WorkingSet<'_> {
    /// `pe_flag_enable_unfencing`: some resource's meta attributes, or the resource defaults,
    /// say `provides=unfencing`.
    pub(crate) fn unfencing_enabled(&self) -> bool {
        let provides = |m: &std::collections::BTreeMap<String, String>| {
            m.get("provides").is_some_and(|v| v == "unfencing")
        };
        provides(&self.model.rsc_defaults)
            || self.model.fence_devices.values().any(|p| provides(&p.meta))
            || self.model.resources.values().any(|r| match r {
                Resource::Primitive(p) => provides(&p.meta),
                Resource::Group(g) => provides(&g.meta),
                Resource::Clone(c) => provides(&c.meta),
            })
    }

    /// The `requires` meta attribute of primitive `p`: its own, its group's, or the defaults'.
    fn requires_meta(&self, p: usize) -> Option<&str> {
        let id = &self.prims[p].id;
        let own = match self.model.resources.get(id) {
            Some(Resource::Primitive(prim)) => Some(&prim.meta),
            _ => self.model.fence_devices.get(id).map(|d| &d.meta),
        };
        let parent = self
            .model
            .parents
            .get(id)
            .and_then(|g| match self.model.resources.get(g) {
                Some(Resource::Group(g)) => Some(&g.meta),
                Some(Resource::Clone(c)) => Some(&c.meta),
                _ => None,
            });
        own.and_then(|m| m.get("requires"))
            .or_else(|| parent.and_then(|m| m.get("requires")))
            .or_else(|| self.model.rsc_defaults.get("requires"))
            .map(String::as_str)
    }

    /// `pe_rsc_needs_unfencing`: a resource (not a fencing device) that requires unfencing,
    /// explicitly or by default once unfencing is in use; only with fencing enabled.
    pub(crate) fn needs_unfencing(&self, p: usize) -> bool {
        let prim = &self.prims[p];
        if prim.is_stonith || prim.orphan || !self.stonith_enabled {
            return false;
        }
        match self.requires_meta(p) {
            Some("unfencing") => true,
            None => self.unfencing_enabled(),
            Some(_) => false,
        }
    }

    /// Probes and starts of `p` wait for their node's unfencing.
    pub(crate) fn waits_for_unfencing(&self, p: usize) -> bool {
        (self.prims[p].is_stonith && !self.prims[p].orphan && self.unfencing_enabled())
            || self.needs_unfencing(p)
    }

    /// `pcmk__node_unfenced`: `#node-unfenced` is set and not `0`.
    pub(crate) fn node_unfenced(&self, n: usize) -> bool {
        self.nodes[n]
            .attrs
            .get("#node-unfenced")
            .is_some_and(|v| v != "0")
    }

    /// `trigger_unfencing` acts only on nodes that are online, clean and not shutting down.
    pub(crate) fn can_unfence(&self, n: usize) -> bool {
        let node = &self.nodes[n];
        node.online && !node.unclean && !node.shutdown
    }
}
