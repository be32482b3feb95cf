"""The partner API's representation of MASH requests as JSON text, made by PostgreSQL: one PL/pgSQL function, so
its plan is made once per database connection and kept (the same SQL inline in each query cost more to plan than to
run: about 2 ms a list page and 1 ms a read). safeguarding.api.rows.documents() calls it; rows.render() is the same
representation in Python, and tests/safeguarding/test_api_documents.py holds the two equal. A change to the
representation, or to a table or column it reads, replaces these functions in a new migration. Other databases
(SQLite, for the demo) get nothing here: rows.documents() renders in Python there."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION safeguarding_api_time(ts timestamptz, zone text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN ts IS NULL THEN NULL ELSE
    to_char(ts AT TIME ZONE zone, CASE WHEN date_trunc('second', ts) = ts
                                       THEN 'YYYY-MM-DD"T"HH24:MI:SS' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US' END)
    || CASE WHEN (ts AT TIME ZONE zone) = (ts AT TIME ZONE 'UTC') THEN 'Z'
            WHEN (ts AT TIME ZONE zone) > (ts AT TIME ZONE 'UTC')
            THEN '+' || to_char((ts AT TIME ZONE zone) - (ts AT TIME ZONE 'UTC'), 'HH24:MI')
            ELSE '-' || to_char((ts AT TIME ZONE 'UTC') - (ts AT TIME ZONE zone), 'HH24:MI') END
  END
$fn$;

CREATE OR REPLACE FUNCTION safeguarding_request_documents(ids bigint[], zone text)
RETURNS TABLE (id bigint, document text)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
BEGIN
  RETURN QUERY
  SELECT r.id, json_build_object(
    'reference', r.reference,
    'state', CASE WHEN r.withdrawn_at IS NOT NULL THEN 'withdrawn'
                  WHEN r.responded_at IS NOT NULL THEN 'responded'
                  WHEN r.assigned_at IS NOT NULL THEN 'assigned'
                  WHEN r.triaged_at IS NOT NULL THEN 'triaged'
                  ELSE 'received' END,
    'organisation', (SELECT o.name FROM partners_organisation o WHERE o.id = r.organisation_id),
    'borough', (SELECT b.code FROM partners_borough b WHERE b.id = r.borough_id),
    'rating_proposed', r.rating_proposed,
    'rating', r.rating,
    'rating_changes', COALESCE((
      SELECT json_agg(json_build_object('from_rating', c.from_rating, 'to_rating', c.to_rating,
                                        'rationale', c.rationale,
                                        'changed_at', safeguarding_api_time(c.changed_at, zone))
                      ORDER BY c.changed_at, c.id)
      FROM safeguarding_ratingchange c WHERE c.request_id = r.id), '[]'::json),
    'received_at', safeguarding_api_time(r.received_at, zone),
    'due_at', safeguarding_api_time(r.due_at, zone),
    'updated_at', safeguarding_api_time(r.updated_at, zone),
    'subject', json_build_object(
      'first_name', r.subject_first_name,
      'last_name', r.subject_last_name,
      'aliases', COALESCE((
        SELECT json_agg(a.trimmed ORDER BY a.n)
        FROM (SELECT btrim(part, E' \t\n\r\f\v') AS trimmed, n
              FROM unnest(string_to_array(r.subject_aliases, ',')) WITH ORDINALITY AS parts(part, n)) a
        WHERE a.trimmed <> ''), '[]'::json),
      'date_of_birth', to_char(r.subject_date_of_birth, 'YYYY-MM-DD'),
      'address', r.subject_address,
      'pnc', r.subject_pnc),
    'concerned', COALESCE((
      SELECT json_agg(json_build_object('age_group', p.age_group, 'name', p.name,
                                        'date_of_birth', to_char(p.date_of_birth, 'YYYY-MM-DD'),
                                        'relationship', p.relationship) ORDER BY p.id)
      FROM safeguarding_concernedperson p WHERE p.request_id = r.id), '[]'::json),
    'reason', r.reason,
    'requester', json_build_object('name', r.requester_name, 'email', r.requester_email, 'phone', r.requester_phone),
    'responded_at', safeguarding_api_time(r.responded_at, zone),
    'withdrawn_at', safeguarding_api_time(r.withdrawn_at, zone),
    'response', (
      SELECT json_build_object('supervision_status', s.supervision_status, 'risk_level', s.risk_level,
                               'conditions', s.conditions, 'engagement', s.engagement,
                               'contact_with_named', s.contact_with_named,
                               'professional_view', s.professional_view,
                               'responded_at', safeguarding_api_time(s.responded_at, zone))
      FROM safeguarding_response s WHERE s.request_id = r.id AND r.responded_at IS NOT NULL)
  )::text
  FROM safeguarding_safeguardingrequest r
  WHERE r.id = ANY(ids);
END
$fn$;
"""

DROP = """
DROP FUNCTION IF EXISTS safeguarding_request_documents(bigint[], text);
DROP FUNCTION IF EXISTS safeguarding_api_time(timestamptz, text);
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0008_mash_references_from_a_sequence")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False)]
