// Claims queue (C1-C5): the claim, its lines, evidence and ceiling; request info,
// approve up to the ceiling, reject. Opened from an order ("Claims" on Saleor's order
// page), it shows that order's claims.

import { Box, Button, Text } from "@saleor/macaw-ui";
import React, { useState } from "react";

import { mutationErrors, useConsole, usePaged } from "../api.js";
import { Card, ChannelPicker, Choice, ErrorNote, Field, Figure, NeedsPermission, Pager, SuccessNote, Unavailable, Value, money, when } from "../components.jsx";

const FIELD = "rewardsClaims";

export function Claims() {
  const { schema, can } = useConsole();
  if (!schema.hasQuery(FIELD)) {
    return <Unavailable field={FIELD} />;
  }
  if (!can("MANAGE_ORDERS")) return <NeedsPermission permission="MANAGE_ORDERS" />;
  return <ClaimQueue />;
}

function ClaimQueue() {
  const { schema, rewards, channel, route } = useConsole();
  const orderId = route.orderId;
  const [status, setStatus] = useState("");
  const node = schema.nodeType(schema.rootType("query", FIELD));
  const statusArg = schema.argType("query", FIELD, "status");
  const query = `query Claims($channel: String!, $status: ${statusArg}, $first: Int, $after: String) {
    ${FIELD}(channel: $channel, status: $status, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${schema.selection(node, 2)} } } } }`;
  const paged = usePaged(
    (after) =>
      channel
        ? rewards(query, { channel, status: status || null, first: 20, after }).then((d) => d[FIELD])
        : Promise.resolve(null),
    [channel, status],
  );
  let claims = (paged.page?.edges || []).map((e) => e.node);
  if (orderId) claims = claims.filter((c) => c.orderId === orderId);
  return (
    <Card title={orderId ? "Claims of this order" : "Claims"} testId="claims-screen" actions={<ChannelPicker />}>
      <Box marginBottom={3}>
        <Choice label="Status" value={status} onChange={setStatus} testId="claim-status" options={[["", "All"], ...schema.enumValues(statusArg.replace(/[!\[\]]/g, ""))]} />
      </Box>
      <ErrorNote error={paged.error} />
      {!claims.length && <Text color="default2">{paged.loading ? "Loading…" : "No claim."}</Text>}
      {claims.map((claim) => (
        <Claim key={claim.id} claim={claim} onDone={paged.reload} />
      ))}
      <Pager paged={paged} />
    </Card>
  );
}

function Claim({ claim, onDone }) {
  const { schema, rewards } = useConsole();
  const [note, setNote] = useState("");
  const [compensation, setCompensation] = useState("");
  const [result, setResult] = useState({ error: null, ok: null });
  const canAct = schema.hasMutation("rewardsClaimProcess");
  const open = ["SUBMITTED", "INFO_REQUESTED"].includes(claim.status);
  const act = async (action) => {
    const mutation = `mutation Process($id: ID!, $action: ${schema.argType("mutation", "rewardsClaimProcess", "action")}, $note: String, $compensation: Decimal) {
      rewardsClaimProcess(id: $id, action: $action, note: $note, compensation: $compensation) { errors { field code message } } }`;
    try {
      const data = await rewards(mutation, {
        id: claim.id,
        action,
        note: note || null,
        compensation: action === "APPROVE" && compensation ? compensation : null,
      });
      const error = mutationErrors(data.rewardsClaimProcess);
      setResult({ error, ok: error ? null : `Claim: ${action}.` });
      if (!error) onDone();
    } catch (error) {
      setResult({ error: error.message, ok: null });
    }
  };
  const shown = ["id", "status", "type", "createdAt", "compensationCeiling", "compensationGranted", "lines", "evidenceUrls", "events", "description"];
  const rest = Object.fromEntries(Object.entries(claim).filter(([k]) => !shown.includes(k)));
  return (
    <Box data-testid="claim" data-id={claim.id} borderWidth={1} borderStyle="solid" borderColor="default1" borderRadius={2} padding={3} marginBottom={3}>
      <Box display="flex" gap={6} flexWrap="wrap" marginBottom={2}>
        <Figure label="Status" value={claim.status} testId="claim-status-value" />
        <Figure label="Type" value={claim.type} />
        <Figure label="Submitted" value={when(claim.createdAt)} />
        <Figure label="Ceiling" value={money(claim.compensationCeiling)} testId="claim-ceiling" />
        <Figure label="Granted" value={money(claim.compensationGranted)} testId="claim-granted" />
      </Box>
      {claim.description && <Text size={3}>{claim.description}</Text>}
      <Box display="flex" gap={6} flexWrap="wrap" marginTop={2}>
        <Box>
          <Text size={2} fontWeight="bold">
            Lines
          </Text>
          <Value value={claim.lines} />
        </Box>
        <Box data-testid="claim-evidence">
          <Text size={2} fontWeight="bold">
            Evidence
          </Text>
          <Value value={claim.evidenceUrls} />
        </Box>
        <Box>
          <Text size={2} fontWeight="bold">
            Events
          </Text>
          <Value value={claim.events} />
        </Box>
        <Box>
          <Value value={rest} />
        </Box>
      </Box>
      <ErrorNote error={result.error} />
      <SuccessNote message={result.ok} />
      {canAct && open && (
        <Box display="flex" gap={2} alignItems="flex-end" marginTop={3} flexWrap="wrap">
          <Field label="Note to the customer" value={note} onChange={setNote} testId="claim-note" />
          <Field label={`Compensation (≤ ${money(claim.compensationCeiling)})`} value={compensation} onChange={setCompensation} testId="claim-compensation" />
          <Button size="small" variant="secondary" data-testid="claim-request-info" onClick={() => act("REQUEST_INFO")}>
            Request info
          </Button>
          <Button size="small" data-testid="claim-approve" onClick={() => act("APPROVE")}>
            Approve
          </Button>
          <Button size="small" variant="error" data-testid="claim-reject" onClick={() => act("REJECT")}>
            Reject
          </Button>
        </Box>
      )}
    </Box>
  );
}
