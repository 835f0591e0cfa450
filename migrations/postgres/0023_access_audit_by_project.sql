-- A room's trail export also reads the roster, NDA and requirement changes of the projects
-- that use the room (those records name a project, not a room).
CREATE INDEX access_audit_project_at ON access_audit (project_id, at);
