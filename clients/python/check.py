"""A Python client as analysts write them (gql, schema fetched by introspection):
every operation is validated client-side against the served schema, answers
keep their keys in query order, and an error in a nullable field leaves the
rest of the answer. Run by .ci/run against the built server.

Usage: STEERQL_URL=http://127.0.0.1:8080/graphql STEERQL_TOKEN=... [STEERQL_ADMIN_TOKEN=...] python3 check.py

With an ADMIN@CENTRAL token it also writes as a client team does: one input,
one payload, clientMutationId echoed, a replayed idempotency key answering the
first call, and a stale version refused with a typed reason.
"""

import os
import sys

from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

url = os.environ.get("STEERQL_URL", "http://127.0.0.1:8080/graphql")
token = os.environ["STEERQL_TOKEN"]
transport = RequestsHTTPTransport(url=url, headers={"authorization": f"Bearer {token}"}, retries=0)
client = Client(transport=transport, fetch_schema_from_transport=True)

lineup = gql("""
query($code: String!, $on: Date!) {
  committeeByCode(code: $code) {
    name
    code
    positions(first: 5, filter: {held: {on: $on}}) { totalCount nodes { title role person { fullName } } }
  }
  me { subject }
}
""")
data = client.execute(lineup, variable_values={"code": "NGHE_AN", "on": "2024-07-08"})
assert list(data) == ["committeeByCode", "me"], data
committee = data["committeeByCode"]
assert list(committee) == ["name", "code", "positions"], committee
assert list(committee["positions"]["nodes"][0]) == ["title", "role", "person"], committee
assert committee["positions"]["totalCount"] > 0, committee

# A missing record: null with NOT_FOUND, the rest of the answer kept.
try:
    client.execute(gql('{ missing: committeeByCode(code: "NO_SUCH") { name } me { subject } }'))
    sys.exit("expected a NOT_FOUND error")
except TransportQueryError as err:
    assert list(err.data) == ["missing", "me"] and err.data["missing"] is None, err.data
    assert err.data["me"]["subject"], err.data
    assert err.errors[0]["extensions"]["code"] == "NOT_FOUND", err.errors

operations = 2
admin = os.environ.get("STEERQL_ADMIN_TOKEN")
if admin:
    writer = Client(transport=RequestsHTTPTransport(url=url, headers={"authorization": f"Bearer {admin}"}, retries=0),
                    fetch_schema_from_transport=True)
    create = gql("""
    mutation($input: CreatePersonInput!) {
      createPerson(input: $input) { clientMutationId person { id version fullName } }
    }
    """)
    home = client.execute(gql('{ committeeByCode(code: "NGHE_AN") { id } }'))["committeeByCode"]["id"]
    key = os.urandom(8).hex()
    person_input = {"clientMutationId": "py-1", "idempotencyKey": key, "fullName": "Người Thử Máy Khách",
                    "partyMember": True, "homeCommitteeId": home}
    first = writer.execute(create, variable_values={"input": person_input})["createPerson"]
    assert first["clientMutationId"] == "py-1" and first["person"]["version"] == 1, first
    again = writer.execute(create, variable_values={"input": person_input})["createPerson"]
    assert again == first, (first, again)
    update = gql("""
    mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { person { version } } }
    """)
    stale = {"id": first["person"]["id"], "expectedVersion": 1, "fullName": "Người Đã Đổi Tên"}
    assert writer.execute(update, variable_values={"input": stale})["updatePerson"]["person"]["version"] == 2
    try:
        writer.execute(update, variable_values={"input": stale})
        sys.exit("expected a stale version to be refused")
    except TransportQueryError as err:
        assert err.errors[0]["extensions"]["code"] == "CONFLICT", err.errors
        assert err.errors[0]["extensions"]["reason"] == "STALE_VERSION", err.errors
    operations += 3

print(f"python gql client: {operations} operations validated against the introspected schema and answered as the spec says")
