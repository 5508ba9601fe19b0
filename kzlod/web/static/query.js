// kzlod query page: pick an example, edit, run against /sparql, show a table.
// Values are only ever written with textContent (never as HTML), and only
// http(s) IRIs become links.
"use strict";

(function () {
  const form = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const select = document.getElementById("example");
  const description = document.getElementById("example-description");
  const statusLine = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const results = document.getElementById("results");
  const downloads = document.getElementById("download-links");
  let catalogue = { queries: [], prefixes: {}, idBase: "", ontology: "" };

  const RESULT_FORMATS = [["csv", "CSV"], ["tsv", "TSV"], ["json", "JSON"], ["xml", "XML"]];
  const GRAPH_FORMATS = [["ttl", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"]];

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function localHref(iri) {
    const base = catalogue.idBase;
    if (base && iri.startsWith(base) && /^[A-Za-z0-9_~-][A-Za-z0-9._~/-]*$/.test(iri.slice(base.length))) {
      return "/id/" + iri.slice(base.length);
    }
    const onto = catalogue.ontology;
    if (onto && iri === onto) return "/ontology";
    if (onto && iri.startsWith(onto + "#")) {
      const local = iri.slice(onto.length + 1);
      return "/ontology" + (/^[A-Za-z0-9_-]+$/.test(local) ? "#" + local : "");
    }
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function compact(iri) {
    let best = null;
    for (const [prefix, ns] of Object.entries(catalogue.prefixes)) {
      if (iri.startsWith(ns) && (best === null || ns.length > catalogue.prefixes[best].length)) {
        const local = iri.slice(ns.length);
        if (/^[A-Za-z0-9_.\/-]*$/.test(local)) best = prefix;
      }
    }
    return best === null ? iri : best + ":" + iri.slice(catalogue.prefixes[best].length);
  }

  function cell(term) {
    const td = el("td");
    if (!term) return td;
    if (term.type === "uri") {
      const href = localHref(term.value);
      const text = compact(term.value);
      if (href) {
        const a = el("a", text);
        a.href = href;
        a.title = term.value;
        td.appendChild(a);
      } else {
        td.textContent = text;
      }
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.appendChild(el("span", term.value));
      if (term["xml:lang"]) td.appendChild(el("span", "@" + term["xml:lang"], "lang"));
      else if (term.datatype) td.appendChild(el("span", "^^" + compact(term.datatype), "datatype"));
    }
    return td;
  }

  function showTable(data) {
    const vars = data.head.vars || [];
    const rows = data.results.bindings;
    const table = el("table", null, "results");
    const head = el("tr");
    vars.forEach((v) => head.appendChild(el("th", v)));
    table.appendChild(el("thead")).appendChild(head);
    const body = el("tbody");
    rows.forEach((row) => {
      const tr = el("tr");
      vars.forEach((v) => tr.appendChild(cell(row[v])));
      body.appendChild(tr);
    });
    table.appendChild(body);
    results.appendChild(table);
    return rows.length + (rows.length === 1 ? " row" : " rows");
  }

  function setDownloads(query, graph) {
    downloads.textContent = "";
    (graph ? GRAPH_FORMATS : RESULT_FORMATS).forEach(([key, label], i) => {
      if (i) downloads.appendChild(document.createTextNode(" "));
      const a = el("a", label);
      a.href = "/sparql?" + new URLSearchParams({ query: query, format: key }).toString();
      a.dataset.format = key;
      a.setAttribute("download", "");
      downloads.appendChild(a);
    });
  }

  function isGraphQuery(text) {
    const stripped = text.replace(/#[^\n]*/g, " ").replace(/<[^>\s]*>/g, " ").replace(/"[^"\n]*"/g, " ");
    const m = stripped.match(/\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i);
    return !!m && /^(CONSTRUCT|DESCRIBE)$/i.test(m[1]);
  }

  async function run(pushState) {
    const query = editor.value;
    errorBox.hidden = true;
    errorBox.textContent = "";
    results.textContent = "";
    statusLine.textContent = "running…";
    setDownloads(query, isGraphQuery(query));
    if (pushState) {
      const url = new URL(window.location.href);
      url.search = new URLSearchParams({ query: query }).toString();
      if (url.href.length < 8000) history.replaceState(null, "", url.href);
    }
    const started = performance.now();
    let response;
    try {
      response = await fetch("/sparql", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: new URLSearchParams({ query: query }),
      });
    } catch (err) {
      statusLine.textContent = "";
      errorBox.textContent = "The server could not be reached.";
      errorBox.hidden = false;
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      statusLine.textContent = "";
      errorBox.textContent = "Error " + response.status + ": " + (await response.text()).trim();
      errorBox.hidden = false;
      return;
    }
    if (type.startsWith("application/sparql-results+json")) {
      const data = await response.json();
      if (typeof data.boolean === "boolean") {
        results.appendChild(el("p", data.boolean ? "yes" : "no", "boolean"));
        statusLine.textContent = "answered in " + seconds + " s";
      } else {
        const count = showTable(data);
        statusLine.textContent = count + " in " + seconds + " s";
      }
    } else {
      results.appendChild(el("pre", await response.text(), "graph"));
      statusLine.textContent = "graph in " + seconds + " s";
    }
  }

  function describe(name) {
    const q = catalogue.queries.find((item) => item.name === name);
    description.textContent = q ? q.description + (Object.keys(q.params).length
      ? " (parameters: " + Object.keys(q.params).map((p) => "?" + p).join(", ") + " — bind them with VALUES)" : "") : "";
    return q;
  }

  select.addEventListener("change", () => {
    const q = describe(select.value);
    if (q) {
      editor.value = q.text;
      setDownloads(q.text, isGraphQuery(q.text));
      results.textContent = "";
      errorBox.hidden = true;
      statusLine.textContent = "";
    }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(true);
  });

  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run(true);
    }
  });

  fetch("/queries.json")
    .then((r) => r.json())
    .then((data) => {
      catalogue = data;
      describe(select.value);
      form.dataset.ready = "true";
      if (new URLSearchParams(window.location.search).has("query")) run(false);
    })
    .catch(() => {
      form.dataset.ready = "true";
    });
})();
