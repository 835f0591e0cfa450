//! The error codes of the clients area, with their texts.

crate::error_codes! {
    /// Why a client company or a project is refused.
    pub enum ClientsError {
        /// A project's secure room must be one of its client's site.
        BadRoom = (UNPROCESSABLE_ENTITY, "project.bad_room", "この拠点のセキュアルームを選んでください。", "Choose a secure room of this site."),
    }
}
