// kzlod query page: YASGUI's editor (YASQE) and results (YASR), vendored in /static/vendor/yasgui/.
//
// Queries run against /sparql from here: every run is a URL (history.pushState), so Back and
// Forward move through them and a link reproduces a result. Results show terms by label,
// linked to their pages on this server (a column ?xLabel beside ?x becomes the text of x's
// links), numbers right-aligned. One Run button: an example with parameters is bound by the
// server (/?example=…), anything else runs as it stands. The editor knows the prefixes the
// endpoint predeclares; terms of the project's namespaces the graph does not hold are said
// above the results, with the closest ones (/unknown). YASR's table takes HTML strings: every value from
// the graph is escaped (esc) before it becomes HTML, and only /id/…, /ontology… and http(s)
// IRIs become links. Nothing is fetched from anywhere but this server, nothing is stored
// in the browser.
"use strict";

(function () {
  const Yasgui = window.Yasgui;
  const Yasqe = (Yasgui && Yasgui.Yasqe) || window.Yasqe;
  const Yasr = (Yasgui && Yasgui.Yasr) || window.Yasr;
  const byId = (id) => document.getElementById(id);
  const textarea = byId("query");
  const host = byId("workbench");
  const queryForm = byId("query-form");
  const exampleForm = byId("example-form");
  const exampleSelect = byId("example");
  const description = byId("example-description");
  const paramsBox = byId("params");
  const statusLine = byId("status");
  const errorBox = byId("error");
  const results = byId("results");
  const notice = byId("unknown-terms");
  const runExample = byId("run-example");
  const downloads = byId("download-links");

  const RESULT_FORMATS = [["csv", "CSV"], ["tsv", "TSV"], ["json", "JSON"], ["xml", "XML"]];
  const GRAPH_FORMATS = [["ttl", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"]];
  const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  const LABELLED_BY = "rdfs:label|skos:prefLabel"; // prefixes the endpoint predeclares
  const SAFE_IRI = /^[^<>"{}|^`\\\s]+$/;
  const MAX_CACHED = 30;
  const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
    "unsignedByte"]); // XML Schema's number types

  let catalogue = { queries: [], prefixes: {}, predeclared: {}, idBase: "", ontology: "" };
  let yasqe = null;
  let yasr = null;
  let counter = 0; // ids of runs
  let current = 0; // the run whose answer is shown (or awaited)
  let inflight = null; // the AbortController of the request under way
  let loadedText = ""; // the query the page came with (an example: as the server bound it)
  const labels = new Map(); // IRI -> its label ("": it has none)
  const answers = new Map(); // run id -> {summary, ms, status}

  // --- terms ---------------------------------------------------------------------------

  function esc(value) {
    return String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
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
    return null;
  }

  function compact(iri) {
    let best = null;
    for (const [prefix, ns] of Object.entries(catalogue.prefixes)) {
      if (iri.startsWith(ns) && (best === null || ns.length > catalogue.prefixes[best].length)) {
        if (/^[A-Za-z0-9_.\/-]*$/.test(iri.slice(ns.length))) best = prefix;
      }
    }
    return best === null ? iri : best + ":" + iri.slice(catalogue.prefixes[best].length);
  }

  // Language tags and datatypes are shown where they tell values of a column apart:
  // when the column mixes them, or for a language other than the graph's English.
  function informing(bindings, variable) {
    const XSD_STRING = (catalogue.prefixes.xsd || "") + "string";
    const kinds = new Set();
    for (const row of bindings) {
      const t = row[variable];
      if (t && t.type !== "uri" && t.type !== "bnode") {
        kinds.add(t["xml:lang"] ? "@" + t["xml:lang"] : t.datatype && t.datatype !== XSD_STRING ? t.datatype : "");
      }
    }
    return kinds.size > 1;
  }

  // A term as a cell shows it; ``rowLabel``: the row's value of the column ?xLabel beside this one (?x).
  function cellHtml(t, showTags, rowLabel) {
    const XSD_STRING = (catalogue.prefixes.xsd || "") + "string";
    const own = rowLabel && rowLabel.type === "literal" ? rowLabel.value : "";
    if (!t) return own ? `<span class="literal">${esc(own)}</span>` : "";
    if (t.type === "uri") {
      const label = own || labels.get(t.value);
      const name = compact(t.value);
      const title = esc(label ? name + " · " + t.value : t.value);
      const href = localHref(t.value) || (/^https?:\/\//i.test(t.value) ? t.value : null);
      const text = esc(label || name);
      if (!href) return `<span class="iri" title="${title}">${text}</span>`;
      const outside = href.startsWith("/") ? "" : ' rel="noopener noreferrer" class="iri external"';
      return `<a${outside || ' class="iri"'} href="${esc(href)}" title="${title}">${text}</a>`;
    }
    if (t.type === "bnode") return `<span class="bnode">_:${esc(t.value)}</span>`;
    let html = `<span class="literal">${esc(t.value)}</span>`;
    const lang = t["xml:lang"];
    if (lang && (showTags || !/^en\b/i.test(lang))) html += `<span class="lang">@${esc(lang)}</span>`;
    else if (!lang && showTags && t.datatype && t.datatype !== XSD_STRING) {
      html += `<span class="datatype">${esc(compact(t.datatype))}</span>`;
    }
    if (own && own !== t.value) html += ` <span class="row-label">(${esc(own)})</span>`;
    return html;
  }

  function sortKey(t, rowLabel) {
    const own = rowLabel && rowLabel.type === "literal" ? rowLabel.value : "";
    if (!t) return own;
    if (t.type === "uri") return own || labels.get(t.value) || compact(t.value);
    return isNumber(t) && isFinite(Number(t.value)) ? Number(t.value) : t.value;
  }

  // A number: typed as one, or a plain string of digits (a year: STR(?date)).
  function isNumber(t) {
    if (t.type !== "literal") return false;
    const xsd = catalogue.prefixes.xsd || "";
    if (xsd && t.datatype && t.datatype.startsWith(xsd) && NUMERIC.has(t.datatype.slice(xsd.length))) return true;
    return !t["xml:lang"] && (!t.datatype || t.datatype === xsd + "string") && /^-?[0-9]+(\.[0-9]+)?$/.test(t.value);
  }

  // The columns whose every value is a number (right-aligned).
  function numeric(bindings, variable) {
    let seen = false;
    for (const row of bindings) {
      const t = row[variable];
      if (!t) continue;
      if (!isNumber(t)) return false;
      seen = true;
    }
    return seen;
  }

  // ?x and ?xLabel side by side: the label column is shown as the text of x's links, not as a column.
  function labelColumns(variables) {
    const pairs = new Map();
    for (const v of variables) {
      const label = ["Label", "label", "_label"].map((end) => v + end).find((name) => variables.includes(name));
      if (label && !pairs.has(label)) pairs.set(v, label);
    }
    return pairs;
  }

  function registerTable() {
    const Base = Yasr.plugins.table;
    class Table extends Base {
      // Without YASR's column resizer, whose fixed widths cut headers and short values: columns as wide
      // as their text, a long text cut with an ellipsis (a click shows it all), a wide table scrolled.
      draw(config) {
        const drawn = super.draw(config);
        const table = this.tableEl;
        if (this.tableResizer) window.removeEventListener("resize", this.tableResizer.onResize);
        this.tableResizer = undefined;
        if (table) {
          const grips = table.previousElementSibling;
          if (grips && grips.classList.contains("grip-container")) grips.remove();
          table.classList.remove("grip-resizable", "grip-padding");
          table.style.removeProperty("width");
          table.querySelectorAll("thead th").forEach((th) => th.style.removeProperty("width"));
        }
        return drawn;
      }

      getColumns() {
        const columns = super.getColumns();
        const bindings = (this.yasr.results && this.yasr.results.getBindings()) || [];
        const names = columns.map((column) => column.name);
        const pairs = labelColumns(names.slice(1));
        const merged = new Set(pairs.values());
        columns[0].width = `${String(bindings.length).length * 9 + 16}px`;
        columns[0].className = "row-number num";
        columns.slice(1).forEach((column) => {
          if (merged.has(column.name)) {
            column.visible = false; // its values are the text of the links beside it (and still filter)
            column.render = (data, type) => (!data ? "" : type === "display" ? `<div>${esc(data.value)}</div>` : data.value);
            return;
          }
          const showTags = informing(bindings, column.name);
          const labelAt = pairs.has(column.name) ? names.indexOf(pairs.get(column.name)) : -1;
          if (numeric(bindings, column.name)) column.className = "num";
          column.render = (data, type, row) => {
            const rowLabel = labelAt >= 0 && row ? row[labelAt] || null : null;
            if (!data && !rowLabel) return "";
            if (type === "display") return `<div>${cellHtml(data || null, showTags, rowLabel)}</div>`;
            if (type === "filter") {
              return sortKey(data || null, rowLabel) + " " + (data && data.type === "uri" ? compact(data.value) : "");
            }
            return sortKey(data || null, rowLabel);
          };
        });
        return columns;
      }
    }
    Yasr.registerPlugin("table", Table);
  }

  async function fetchLabels(bindings) {
    const wanted = [];
    const seen = new Set();
    for (const row of bindings) {
      for (const v in row) {
        const t = row[v];
        if (t && t.type === "uri" && !labels.has(t.value) && !seen.has(t.value) && SAFE_IRI.test(t.value)) {
          seen.add(t.value);
          wanted.push(t.value);
        }
      }
      if (wanted.length >= 2000) break;
    }
    let added = false;
    for (let i = 0; i < wanted.length; i += 400) {
      const chunk = wanted.slice(i, i + 400);
      const query = "SELECT ?s ?label WHERE { VALUES ?s { " + chunk.map((iri) => "<" + iri + ">").join(" ") +
        " } ?s " + LABELLED_BY + ' ?label . FILTER (LANG(?label) = "" || LANGMATCHES(LANG(?label), "en")) } ORDER BY ?s ?label';
      try {
        const response = await fetch("/sparql", {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/sparql-results+json" },
          body: new URLSearchParams({ query: query }),
        });
        if (!response.ok) break;
        const data = await response.json();
        chunk.forEach((iri) => labels.set(iri, ""));
        for (const row of data.results.bindings) {
          if (!labels.get(row.s.value)) {
            labels.set(row.s.value, row.label.value);
            added = true;
          }
        }
      } catch (err) {
        break; // labels are a help: without them, terms show by their prefixed names
      }
    }
    return added;
  }

  // --- running --------------------------------------------------------------------------

  function isGraphQuery(text) {
    if (yasqe && yasqe.getValue() === text) return /^(CONSTRUCT|DESCRIBE)$/i.test(yasqe.getQueryType() || "");
    const stripped = text.replace(/#[^\n]*/g, " ").replace(/<[^>\s]*>/g, " ").replace(/"[^"\n]*"/g, " ");
    const m = stripped.match(/\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i);
    return !!m && /^(CONSTRUCT|DESCRIBE)$/i.test(m[1]);
  }

  function setDownloads(query) {
    downloads.textContent = "";
    (isGraphQuery(query) ? GRAPH_FORMATS : RESULT_FORMATS).forEach(([key, label], i) => {
      if (i) downloads.appendChild(document.createTextNode(" "));
      const a = document.createElement("a");
      a.textContent = label;
      a.href = "/sparql?" + new URLSearchParams({ query: query, format: key }).toString();
      a.dataset.format = key;
      a.setAttribute("download", "");
      downloads.appendChild(a);
    });
  }

  function queryUrl(query) {
    return "/?" + new URLSearchParams({ query: query }).toString();
  }

  function renderError(error) {
    const box = document.createElement("div");
    box.className = "query-error";
    const head = document.createElement("p");
    head.className = "error-status";
    head.textContent = error.status ? "The endpoint answered " + error.status + (error.statusText ? " " + error.statusText : "") + ":"
      : "The query did not run:";
    const text = document.createElement("pre");
    text.className = "error-text";
    text.textContent = (error.text || "").replace(/\s+$/, "");
    box.append(head, text);
    return Promise.resolve(box);
  }

  // YASR draws a moment after it is given a response; this waits for it (or gives up after 5 s).
  function drawn(action) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 5000);
      yasr.once("drawn", () => {
        clearTimeout(timer);
        resolve();
      });
      action();
    });
  }

  async function show(id, answer) {
    results.dataset.state = "drawing";
    statusLine.textContent = answer.status;
    await drawn(() => yasr.setResponse(answer.summary, answer.ms));
    if (id !== current) return;
    const bindings = yasr.results && !yasr.results.hasError() ? yasr.results.getBindings() : null;
    if (bindings && bindings.length && (await fetchLabels(bindings)) && id === current) await drawn(() => yasr.refresh());
    if (id === current) results.dataset.state = answer.summary.error ? "error" : "done";
  }

  async function execute(query, id) {
    setDownloads(query);
    notice.hidden = true;
    checkTerms(query, id);
    results.dataset.state = "running";
    statusLine.textContent = "running…";
    const cached = answers.get(id);
    if (cached) return show(id, cached);
    if (inflight) inflight.abort();
    const controller = (inflight = new AbortController());
    const request = new Request("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: ACCEPT },
      body: new URLSearchParams({ query: query }),
      signal: controller.signal,
    });
    yasqe.emit("query", request, controller); // YASQE's run button: busy, and a click aborts
    const started = performance.now();
    let answer;
    try {
      const response = await fetch(request);
      const text = await response.text();
      const ms = Math.round(performance.now() - started);
      const seconds = (ms / 1000).toFixed(2) + " s";
      if (!response.ok) {
        answer = { summary: { error: { status: response.status, statusText: response.statusText, text: text } }, ms: ms,
          status: "error " + response.status };
      } else {
        const type = response.headers.get("Content-Type") || "";
        const truncated = response.headers.get("X-Kzlod-Truncated") === "true" ? " (cut at the server's row limit)" : "";
        let count = "graph";
        if (type.startsWith("application/sparql-results+json")) {
          const data = JSON.parse(text);
          if (typeof data.boolean === "boolean") count = data.boolean ? "yes" : "no";
          else count = data.results.bindings.length + (data.results.bindings.length === 1 ? " row" : " rows");
          if (data.results) await fetchLabels(data.results.bindings);
        }
        answer = { summary: { data: text, contentType: type, status: response.status }, ms: ms,
          status: count + " in " + seconds + truncated };
      }
    } catch (err) {
      if (err && err.name === "AbortError") {
        if (id === current) {
          statusLine.textContent = "stopped";
          results.dataset.state = "stopped";
        }
        return;
      }
      const why = err && err.message ? err.message : String(err);
      answer = { summary: { error: { text: "No answer from the server: " + why } }, ms: 0, status: "no answer" };
    }
    if (inflight === controller) inflight = null;
    yasqe.emit("queryResponse", answer.summary, answer.ms);
    answers.set(id, answer);
    if (answers.size > MAX_CACHED) answers.delete(answers.keys().next().value);
    if (id === current) await show(id, answer);
  }

  // Run the editor's query: a new history entry (the same one again when the query is unchanged).
  // The same query again keeps its history entry and URL; an example run as it is has the
  // shorter URL /?example=NAME; any other query is /?query=TEXT.
  function runEditor() {
    const query = yasqe.getValue();
    const id = (current = ++counter);
    const state = { query: query, id: id, run: true };
    if (history.state && history.state.query === query && history.state.run) {
      history.replaceState(state, "", location.href);
    } else {
      const example = catalogue.queries.find((q) => q.name === exampleSelect.value);
      const asIs = example && example.text === query;
      const url = asIs && !Object.keys(example.params).length
        ? "/?" + new URLSearchParams({ example: example.name }).toString() : queryUrl(query);
      if (!asIs) markOwnQuery();
      if (history.state && history.state.query === query) history.replaceState(state, "", url);
      else history.pushState(state, "", url);
    }
    return execute(query, id);
  }

  // The one Run button (and Ctrl+Enter): an example with parameters, its text as it came, is bound
  // by the server with the fields' values (/?example=NAME&PARAM=VALUE, a page of its own); any
  // other text runs as it stands.
  function run() {
    const example = catalogue.queries.find((q) => q.name === exampleSelect.value);
    const query = yasqe.getValue();
    if (example && Object.keys(example.params).length && (query === example.text || query === loadedText)) {
      const missing = example.required.filter((name) => !(paramsBox.querySelector(`input[name="${name}"]`) || {}).value);
      if (missing.length) {
        errorBox.textContent = "Give " + missing.sort().join(", ") + " to run this example.";
        errorBox.hidden = false;
        return Promise.resolve();
      }
      const url = exampleUrl(example);
      if (url !== location.pathname + location.search || query !== loadedText) {
        location.assign(url);
        return Promise.resolve();
      }
    }
    return runEditor();
  }

  function exampleUrl(example) {
    const params = new URLSearchParams({ example: example.name });
    paramsBox.querySelectorAll("input").forEach((input) => {
      if (input.value.trim()) params.append(input.name, input.value);
    });
    return "/?" + params.toString();
  }

  // Terms of the project's namespaces the query names and the graph does not hold, said above the
  // results with the closest held ones; each suggestion runs the query with it in the term's place.
  const checked = new Map(); // query -> its unknown terms
  async function checkTerms(query, id) {
    let found = checked.get(query);
    if (!found) {
      try {
        const response = await fetch("/unknown?" + new URLSearchParams({ query: query }).toString());
        found = response.ok ? (await response.json()).unknown : [];
      } catch (err) {
        found = [];
      }
      checked.set(query, found);
    }
    if (id !== current) return;
    notice.textContent = "";
    for (const term of found) {
      const line = document.createElement("p");
      const name = document.createElement("code");
      name.textContent = term.written;
      line.append(name, " is not in the graph.");
      if (term.closest.length) {
        line.append(" Did you mean ");
        term.closest.forEach((closest, i) => {
          if (i) line.append(i === term.closest.length - 1 ? " or " : ", ");
          const a = document.createElement("a");
          a.href = queryUrl(term.fixed[i]);
          a.className = "fix";
          const code = document.createElement("code");
          code.textContent = closest;
          a.appendChild(code);
          a.addEventListener("click", (event) => {
            event.preventDefault();
            setEditor(term.fixed[i]);
            runEditor();
          });
          line.appendChild(a);
        });
        line.append("?");
      }
      notice.appendChild(line);
    }
    notice.hidden = !found.length;
  }

  function markOwnQuery() {
    if (!exampleSelect.querySelector('option[value=""]')) {
      const own = document.createElement("option");
      own.value = "";
      own.textContent = "(your query)";
      exampleSelect.prepend(own);
    }
    exampleSelect.value = "";
    description.textContent = "";
    paramsBox.textContent = "";
  }

  window.addEventListener("popstate", (event) => {
    const state = event.state;
    if (!state || typeof state.query !== "string" || !yasqe) return;
    setEditor(state.query);
    const params = new URLSearchParams(location.search);
    const example = catalogue.queries.find((q) => q.name === params.get("example"));
    if (example) showExample(example, params);
    else markOwnQuery();
    if (state.run) {
      // the answer this entry showed, if still at hand; else its query runs again
      current = answers.has(state.id) ? state.id : ++counter;
      if (current !== state.id) history.replaceState({ ...state, id: current }, "", location.href);
      execute(state.query, current);
    } else {
      if (inflight) inflight.abort();
      current = ++counter;
      setDownloads(state.query);
      statusLine.textContent = "";
      results.dataset.state = "idle";
    }
  });

  // --- the examples and their parameters --------------------------------------------------

  function attachCompletion(input) {
    const kind = input.dataset.kind;
    const list = document.createElement("ul");
    list.id = input.id + "-options";
    list.className = "completions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    let items = [];
    let active = -1;
    let timer = null;
    let asked = 0;

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function pick(item) {
      input.value = item.id;
      input.title = item.label;
      close();
    }
    function highlight(i) {
      active = i;
      Array.from(list.children).forEach((li, j) => li.setAttribute("aria-selected", j === i ? "true" : "false"));
      if (i >= 0) input.setAttribute("aria-activedescendant", list.children[i].id);
    }
    async function lookup() {
      const q = input.value.trim();
      if (!q) return close();
      const mine = ++asked;
      let found = [];
      try {
        const response = await fetch("/complete?" + new URLSearchParams({ q: q, kind: kind }).toString());
        if (response.ok) found = (await response.json()).results;
      } catch (err) {
        found = [];
      }
      if (mine !== asked) return;
      close();
      items = found;
      found.forEach((item, i) => {
        const li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.dataset.id = item.id;
        const name = document.createElement("span");
        name.className = "completion-label";
        name.textContent = item.label;
        const what = document.createElement("span");
        what.className = "completion-id";
        what.textContent = item.id + (item.type ? " · " + item.type : "");
        li.append(name, " ", what);
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(item);
        });
        list.appendChild(li);
      });
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(lookup, 120);
    });
    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + items.length) % items.length);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        pick(items[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }

  function showExample(q, values) {
    const own = exampleSelect.querySelector('option[value=""]');
    if (own) own.remove();
    exampleSelect.value = q.name;
    description.textContent = q.description;
    paramFields(q, values);
  }

  function paramFields(q, values) {
    paramsBox.textContent = "";
    for (const [name, help] of Object.entries(q.params)) {
      const p = document.createElement("p");
      p.className = "param";
      const label = document.createElement("label");
      label.htmlFor = "param-" + name;
      label.textContent = name + (q.required.includes(name) ? " (required)" : "");
      const input = document.createElement("input");
      input.id = "param-" + name;
      input.name = name;
      input.value = (values && values.get(name)) || "";
      input.autocomplete = "off";
      input.spellcheck = false;
      if (q.kinds[name]) input.dataset.kind = q.kinds[name];
      if (q.required.includes(name)) input.required = true;
      const span = document.createElement("span");
      span.className = "param-help";
      span.textContent = help;
      p.append(label, " ", input, " ", span);
      paramsBox.appendChild(p);
      if (input.dataset.kind) attachCompletion(input);
    }
  }

  exampleSelect.addEventListener("change", () => {
    const q = catalogue.queries.find((item) => item.name === exampleSelect.value);
    if (!q) return;
    showExample(q, null);
    errorBox.hidden = true;
    if (yasqe) setEditor(q.text);
    setDownloads(q.text);
  });

  exampleForm.addEventListener("submit", (event) => {
    if (yasqe) {
      event.preventDefault();
      run();
    }
  });

  // --- the editor ---------------------------------------------------------------------------

  // YASQE marks a prefixed name whose prefix the query does not declare; the endpoint predeclares
  // some, so the editor's SPARQL mode starts every query knowing them.
  function predeclare(prefixes) {
    const make = Yasqe.modes && Yasqe.modes.sparql11;
    if (typeof make !== "function" || make.kzlodPredeclared) return;
    const mode = function (config, spec) {
      const made = make(config, spec);
      const start = made.startState;
      made.startState = function () {
        const state = start.apply(this, arguments);
        state.prefixes = Object.assign({}, prefixes, state.prefixes);
        return state;
      };
      return made;
    };
    mode.kzlodPredeclared = true;
    Yasqe.defineMode("sparql11", mode);
  }

  // The editor as tall as the query it is given (6 to 16 lines; its handle resizes it after).
  function fitEditor() {
    const line = yasqe.defaultTextHeight();
    const lines = Math.min(16, Math.max(6, yasqe.lineCount() + 1));
    yasqe.setSize(null, Math.round(lines * line + 12) + "px");
  }

  function setEditor(text) {
    yasqe.setValue(text);
    fitEditor();
  }

  function registerCompleters() {
    const prefixes = Object.entries(catalogue.prefixes).map(([p, iri]) => p + ": <" + iri + ">").sort();
    Yasqe.forkAutocompleter("prefixes", { name: "kzlodPrefixes", get: prefixes, persistenceId: null }, false);
    // classes and properties of the served graph, looked up here (YASQE's own asks a remote service)
    const terms = (kind) => (yasqe_, token) => {
      const wanted = (token && token.autocompletionString) || "";
      const local = wanted.replace(/^.*[#/:]/, "");
      if (!local) return Promise.resolve([]);
      return fetch("/complete?" + new URLSearchParams({ q: local, kind: kind, limit: "30" }).toString())
        .then((r) => (r.ok ? r.json() : { results: [] }))
        .then((data) => data.results.map((item) => item.iri).filter((iri) => iri.startsWith(wanted.replace(/[^#/]*$/, ""))))
        .catch(() => []);
    };
    Yasqe.forkAutocompleter("class", { name: "kzlodClasses", get: terms("class"), persistenceId: null }, false);
    Yasqe.forkAutocompleter("property", { name: "kzlodProperties", get: terms("property"), persistenceId: null }, false);
    // assigned, not merged: YASQE merges its defaults with lodash, which merges arrays item by item
    Yasqe.defaults.autocompleters = ["variables", "kzlodPrefixes", "kzlodClasses", "kzlodProperties"];
  }

  function start(data) {
    if (data) catalogue = data;
    if (!Yasqe || !Yasr) {
      host.dataset.ready = "true"; // the plain form still works
      return;
    }
    predeclare(catalogue.predeclared || {});
    registerCompleters();
    registerTable();
    const editor = document.createElement("div");
    editor.id = "editor";
    host.appendChild(editor);
    textarea.hidden = true;
    yasqe = new Yasqe(editor, {
      value: textarea.value,
      persistenceId: null,
      consumeShareLink: null,
      createShareableLink: (y) => location.origin + queryUrl(y.getValue()),
      createShortLink: undefined,
      editorHeight: "22rem",
      resizeable: true,
      showQueryButton: false, // the page's Run button is the one run control
      collapsePrefixesOnLoad: false,
      requestConfig: { endpoint: location.origin + "/sparql", method: "POST", acceptHeaderSelect: ACCEPT,
        acceptHeaderGraph: "text/turtle" },
      extraKeys: { "Ctrl-Enter": () => run(), "Cmd-Enter": () => run() },
    });
    yasqe.query = () => run();
    fitEditor();
    yasqe.on("change", () => {
      textarea.value = yasqe.getValue();
    });
    Yasr.defaults.pluginOrder = ["table", "response"];
    yasr = new Yasr(results, {
      persistenceId: null,
      prefixes: catalogue.prefixes,
      defaultPlugin: "table",
      errorRenderers: [renderError],
      getDownloadFileName: () => "kzlod-results",
    });
    queryForm.addEventListener("submit", (event) => {
      event.preventDefault();
      run();
    });
    runExample.hidden = true; // without a script the example form has its own button
    document.querySelectorAll("#params input[data-kind]").forEach(attachCompletion);
    const runNow = host.dataset.run === "true";
    loadedText = yasqe.getValue();
    current = ++counter;
    history.replaceState({ query: loadedText, id: current, run: runNow }, "", location.href);
    host.dataset.ready = "true";
    if (runNow) execute(loadedText, current);
  }

  fetch("/queries.json")
    .then((r) => r.json())
    .then(start)
    .catch(() => start(null));
})();
