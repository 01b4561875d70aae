// Affiliate applications and affiliates with their stats (A1-A3).

import { Box, Button } from "@saleor/macaw-ui";
import React, { useState } from "react";

import { mutationErrors, useConsole, usePaged } from "../api.js";
import { Card, ChannelPicker, Choice, ErrorNote, Field, NeedsPermission, Pager, SuccessNote, Table, Unavailable, Value } from "../components.jsx";

const FIELD = "rewardsAffiliateApplications";

export function Affiliates() {
  const { schema, can } = useConsole();
  if (!schema.hasQuery(FIELD)) return <Unavailable field={FIELD} />;
  if (!can("MANAGE_USERS")) return <NeedsPermission permission="MANAGE_USERS" />;
  return <AffiliateList />;
}

function AffiliateList() {
  const { schema, rewards, channel } = useConsole();
  const [status, setStatus] = useState("");
  const [inputs, setInputs] = useState({});
  const [result, setResult] = useState({ error: null, ok: null });
  const connection = schema.rootType("query", FIELD);
  const node = schema.nodeType(connection);
  const statusArg = schema.argType("query", FIELD, "status");
  const statusType = statusArg.replace(/[!\[\]]/g, "");
  const query = `query Affiliates($channel: String!, $status: ${statusArg}, $first: Int, $after: String) {
    ${FIELD}(channel: $channel, status: $status, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${schema.selection(node, 2)} } } } }`;
  const paged = usePaged(
    (after) => (channel ? rewards(query, { channel, status: status || null, first: 20, after }).then((d) => d[FIELD]) : Promise.resolve(null)),
    [channel, status],
  );
  const review = async (id, action) => {
    const input = inputs[id] || {};
    const mutation = `mutation Review($id: ID!, $action: ${schema.argType("mutation", "rewardsAffiliateReview", "action")}, $note: String, $commissionPercent: Decimal) {
      rewardsAffiliateReview(id: $id, action: $action, note: $note, commissionPercent: $commissionPercent) { errors { field code message } } }`;
    try {
      const data = await rewards(mutation, { id, action, note: input.note || null, commissionPercent: input.commission || null });
      const error = mutationErrors(data.rewardsAffiliateReview);
      setResult({ error, ok: error ? null : `Affiliate: ${action}.` });
      if (!error) paged.reload();
    } catch (error) {
      setResult({ error: error.message, ok: null });
    }
  };
  const canReview = schema.hasMutation("rewardsAffiliateReview");
  const set = (id, name) => (value) => setInputs((all) => ({ ...all, [id]: { ...all[id], [name]: value } }));
  const columns = (schema.types.get(node)?.fields || [])
    .filter((f) => !f.args.length && !["id"].includes(f.name))
    .slice(0, 9)
    .map((f) => ({ key: f.name, title: f.name, render: (r) => <Value value={r[f.name]} /> }));
  if (canReview) {
    columns.push({
      key: "actions",
      title: "",
      render: (r) => (
        <Box display="flex" gap={1} alignItems="flex-end" flexWrap="wrap">
          <Field label="Commission %" value={inputs[r.id]?.commission} onChange={set(r.id, "commission")} testId="affiliate-commission" />
          <Field label="Note" value={inputs[r.id]?.note} onChange={set(r.id, "note")} testId="affiliate-note" />
          {r.status !== "APPROVED" && (
            <Button size="small" data-testid="affiliate-approve" onClick={() => review(r.id, "APPROVE")}>
              Approve
            </Button>
          )}
          {r.status === "PENDING" && (
            <Button size="small" variant="error" data-testid="affiliate-reject" onClick={() => review(r.id, "REJECT")}>
              Reject
            </Button>
          )}
          {r.status === "APPROVED" && (
            <Button size="small" variant="error" data-testid="affiliate-suspend" onClick={() => review(r.id, "SUSPEND")}>
              Suspend
            </Button>
          )}
        </Box>
      ),
    });
  }
  return (
    <Card title="Affiliates" testId="affiliates-screen" actions={<ChannelPicker />}>
      <Box marginBottom={3}>
        <Choice label="Status" value={status} onChange={setStatus} testId="affiliate-status" options={[["", "All"], ...schema.enumValues(statusType)]} />
      </Box>
      <ErrorNote error={result.error || paged.error} />
      <SuccessNote message={result.ok} />
      <Table testId="affiliates" rowTestId="affiliate-row" rows={(paged.page?.edges || []).map((e) => e.node)} columns={columns} empty={paged.loading ? "Loading…" : "No application."} />
      <Pager paged={paged} />
    </Card>
  );
}
