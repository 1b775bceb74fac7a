//! How the authority names the management roles to people (`notify.role_labels`): one word for a role in every
//! email, card, summary, history line and `explain`, the authority's own ("practice manager", "supervisor",
//! "assistant team manager"). Rule files keep the fixed names (`supervisor`, `team_manager`).

use std::borrow::Cow;
use std::sync::RwLock;

use serde::Deserialize;

/// `[notify.role_labels]`: a key not listed here is an error naming it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleLabels {
    pub worker: String,
    pub supervisor: String,
    pub team_manager: String,
    pub senior_manager: String,
}

impl Default for RoleLabels {
    fn default() -> Self {
        Self {
            worker: "worker".into(),
            supervisor: "practice manager".into(),
            team_manager: "team manager".into(),
            senior_manager: "senior manager".into(),
        }
    }
}

/// The labels of the configuration loaded last; `None` until one is, when the defaults apply. Process-wide, as
/// the wording of one authority is: every place that names a role to a person reads it through [`super::Role::label`].
static LABELS: RwLock<Option<RoleLabels>> = RwLock::new(None);

impl RoleLabels {
    /// Makes these the labels every role is named by from now on (at start-up and on reload).
    pub fn install(&self) {
        let mut labels = LABELS.write().unwrap_or_else(|e| e.into_inner());
        *labels = (*self != RoleLabels::default()).then(|| self.clone());
    }

    /// The label of a chain role in use: the configured one, else the default.
    pub(super) fn current(
        pick: fn(&RoleLabels) -> &String,
        default: &'static str,
    ) -> Cow<'static, str> {
        let labels = LABELS.read().unwrap_or_else(|e| e.into_inner());
        match labels.as_ref() {
            Some(labels) => Cow::Owned(pick(labels).clone()),
            None => Cow::Borrowed(default),
        }
    }
}
