// steerql's GraphiQL: every query needs a bearer token, so the headers tab
// opens with the `authorization` header to complete. Until a token is pasted
// after `Bearer `, the caller is anonymous: the schema (and so completion and
// the docs) loads, queries answer UNAUTHENTICATED. Get a token with
//   cargo run -- token --sub you@example.org --role ADMIN@CENTRAL --ttl 1h
(function () {
  var headers = JSON.stringify({ authorization: "Bearer " }, null, 2);
  var query = [
    "# Every query needs a token: get one with",
    "#   cargo run -- token --sub you@example.org --role ADMIN@CENTRAL --ttl 1h",
    "# and paste it after `Bearer ` in the Headers tab below, then run this.",
    "{",
    "  me { subject grants { role committee } }",
    "  committeeByCode(code: \"NGHE_AN\") {",
    "    name",
    "    standingCommittee { role title person { fullName } }",
    "  }",
    "}",
    ""
  ].join("\n");
  var fetcher = GraphiQL.createFetcher({ url: "/graphql" });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: query,
      defaultHeaders: headers,
      headerEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: "headers"
    })
  );
})();
