-- At most one open invitation per person (security review): "a new invitation closes the
-- earlier one" was an UPDATE then an INSERT, so two sent at once both stayed open. Closing
-- sets used_at, so the open ones are those with used_at NULL. Rows the old code left are
-- closed first: all but the newest open one of each person, and every open one of an
-- inactive account (whose link must not come back with a reactivation).

UPDATE person_invitations SET used_at = created_at
WHERE used_at IS NULL
  AND (person_id IN (SELECT id FROM persons WHERE active = 0)
       OR EXISTS (SELECT 1 FROM person_invitations n
                  WHERE n.person_id = person_invitations.person_id
                    AND n.used_at IS NULL
                    AND (n.created_at > person_invitations.created_at
                         OR (n.created_at = person_invitations.created_at
                             AND n.token_hash > person_invitations.token_hash))));

CREATE UNIQUE INDEX person_invitations_open ON person_invitations (person_id)
    WHERE used_at IS NULL;
