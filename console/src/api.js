// Talking to the plugin's GraphQL endpoint (API.md) and to Saleor's own, with the
// token the Dashboard hands over through the App Bridge.

import { createContext, useCallback, useContext, useEffect, useState } from "react";

// The console's pages are served at .../saleor_rewards/app/<page>; the API is beside it.
export function rewardsEndpoint(location = window.location) {
  const at = location.pathname.indexOf("/app");
  const base = at >= 0 ? location.pathname.slice(0, at) : "/plugins/global/saleor_rewards";
  return `${location.origin}${base}/graphql/`;
}

// The page the Dashboard opened: members, member, order-claims, reviews, ...
export function pageFromLocation(location = window.location) {
  const at = location.pathname.indexOf("/app/");
  return at >= 0 ? location.pathname.slice(at + 5).replace(/\/+$/, "") : "";
}

export class ApiError extends Error {}

export async function graphql(url, token, query, variables = {}) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError(`The API could not be reached: ${error.message}`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The API answered ${response.status} without JSON.`);
  }
  if (body.errors && body.errors.length) {
    const [first] = body.errors;
    const code = first.extensions?.code;
    throw new ApiError(code ? `${code}: ${first.message}` : first.message);
  }
  return body.data;
}

// The permissions the token carries: the App's, as far as the staff member has them
// (Saleor puts their intersection in the JWT's "permissions").
export function tokenPermissions(token) {
  if (!token) return [];
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = JSON.parse(decodeURIComponent(escape(atob(payload))));
    return json.permissions || [];
  } catch {
    return [];
  }
}

const INTROSPECTION = `{ __schema {
  queryType { name } mutationType { name }
  types { name kind enumValues { name }
    fields { name args { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`;

function namedType(type) {
  let t = type;
  while (t && (t.kind === "NON_NULL" || t.kind === "LIST")) t = t.ofType;
  return t;
}

// What the plugin's schema has: screens whose API is not there yet say so.
export class Schema {
  constructor(raw) {
    this.types = new Map(raw.types.map((t) => [t.name, t]));
    this.query = this.types.get(raw.queryType.name);
    this.mutation = raw.mutationType ? this.types.get(raw.mutationType.name) : null;
  }

  hasQuery(name) {
    return !!this.query?.fields?.some((f) => f.name === name);
  }

  hasMutation(name) {
    return !!this.mutation?.fields?.some((f) => f.name === name);
  }

  fieldType(typeName, field) {
    const f = this.types.get(typeName)?.fields?.find((x) => x.name === field);
    return f ? namedType(f.type) : null;
  }

  hasField(typeName, field) {
    return !!this.fieldType(typeName, field);
  }

  rootType(root, field) {
    const type = root === "query" ? this.query : this.mutation;
    const f = type?.fields?.find((x) => x.name === field);
    return f ? namedType(f.type)?.name : null;
  }

  // The GraphQL type of an argument, as a variable declares it ("RewardsX!", "[ID!]!").
  argType(root, field, arg) {
    const type = root === "query" ? this.query : this.mutation;
    const a = type?.fields?.find((x) => x.name === field)?.args.find((x) => x.name === arg);
    const print = (t) =>
      t.kind === "NON_NULL" ? `${print(t.ofType)}!` : t.kind === "LIST" ? `[${print(t.ofType)}]` : t.name;
    return a ? print(a.type) : "String";
  }

  enumValues(name) {
    return (this.types.get(name)?.enumValues || []).map((v) => v.name);
  }

  // A selection of every field of ``typeName`` without arguments, objects followed
  // ``depth`` levels deep: the screens show what the API has, old or new.
  selection(typeName, depth = 2, skip = []) {
    const type = this.types.get(typeName);
    if (!type?.fields) return "";
    const parts = [];
    for (const field of type.fields) {
      if (skip.includes(field.name) || field.args.length) continue;
      const t = namedType(field.type);
      if (t.kind === "SCALAR" || t.kind === "ENUM") parts.push(field.name);
      else if (t.kind === "OBJECT" && depth > 0) {
        const inner = this.selection(t.name, depth - 1, skip);
        if (inner) parts.push(`${field.name} { ${inner} }`);
      }
    }
    return parts.join(" ");
  }

  // The node type of a connection field of the query root.
  nodeType(connectionTypeName) {
    const edge = this.fieldType(connectionTypeName, "edges");
    return edge ? this.fieldType(edge.name, "node")?.name : null;
  }
}

export const ConsoleContext = createContext(null);

export function useConsole() {
  return useContext(ConsoleContext);
}

export function useSchemaLoader(token) {
  const [state, setState] = useState({ schema: null, error: null });
  useEffect(() => {
    if (!token) return;
    graphql(rewardsEndpoint(), token, INTROSPECTION)
      .then((data) => setState({ schema: new Schema(data.__schema), error: null }))
      .catch((error) => setState({ schema: null, error: error.message }));
  }, [token]);
  return state;
}

// Runs ``load`` (a function of the page's cursor) and keeps a stack of cursors so
// that every list pages forwards and back. The stack belongs to ``deps`` (a search, a
// status, a channel): new ``deps`` start again at page 1 with a single request. The
// rows shown are always those of the page asked for: while another page or another
// search loads, ``page`` is null (``loading``), never the previous page's rows under
// the new page's number; a ``reload`` of the same page keeps its rows until it answers.
export function usePaged(load, deps) {
  const scope = JSON.stringify(deps);
  const [trail, setTrail] = useState({ scope, cursors: [null] });
  const cursors = trail.scope === scope ? trail.cursors : [null];
  const after = cursors[cursors.length - 1];
  const key = JSON.stringify([scope, cursors.length, after]);
  const [state, setState] = useState({ key: null, loading: true, error: null, page: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load(after)
      .then((page) => live && setState({ key, loading: false, error: null, page }))
      .catch((error) => live && setState({ key, loading: false, error: error.message, page: null }));
    return () => {
      live = false;
    };
  }, [key, tick]); // eslint-disable-line react-hooks/exhaustive-deps
  const current = state.key === key;
  const page = current ? state.page : null;
  const info = page?.pageInfo;
  return {
    loading: !current || state.loading,
    error: current ? state.error : null,
    page,
    reload: useCallback(() => setTick((t) => t + 1), []),
    pageNumber: cursors.length,
    next: info?.hasNextPage ? () => setTrail({ scope, cursors: [...cursors, info.endCursor] }) : null,
    previous: cursors.length > 1 ? () => setTrail({ scope, cursors: cursors.slice(0, -1) }) : null,
  };
}

// A mutation's payload: its ``errors`` (API.md) turned into one message.
export function mutationErrors(payload) {
  const errors = payload?.errors || [];
  return errors.length
    ? errors.map((e) => `${e.code}${e.field ? ` (${e.field})` : ""}: ${e.message}`).join("; ")
    : null;
}
