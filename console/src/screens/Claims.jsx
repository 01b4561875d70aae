// Claims queue (C1-C5): the claim, its lines, evidence and ceiling; request info,
// approve up to the ceiling, reject. Opened from an order ("Claims" on Saleor's order
// page), it shows that order's claims.

import { Box, Button, Chip, Text } from "@saleor/macaw-ui";
import React, { useEffect, useState } from "react";

import { mutationErrors, useConsole, usePaged } from "../api.js";
import { Card, ChannelPicker, Choice, ErrorNote, Field, Figure, NeedsPermission, Pager, SuccessNote, Table, Unavailable, money, when } from "../components.jsx";

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

const STATUS_COLOR = { APPROVED: "success1", REJECTED: "critical1" };
const TYPE_TITLE = { COUNTERFEIT: "Counterfeit product", NOT_DIRECT_SUPPLY: "Not supplied directly by the brand" };
const ORDER = `query Order($id: ID!) { order(id: $id) { id number userEmail user { email firstName lastName } } }`;

// An enum value for people: SUBMITTED -> Submitted, NOT_DIRECT_SUPPLY -> Not direct supply.
function words(value) {
  if (!value) return "";
  const text = String(value).toLowerCase().replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// "STAFF:12" -> "Staff #12", "CUSTOMER" -> "Customer".
function actorOf(actor) {
  const [type, id] = String(actor || "").split(":");
  return `${words(type)}${id ? ` #${id}` : ""}`;
}

function size(bytes) {
  if (bytes == null) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function Section({ title, children, testId }) {
  return (
    <Box data-testid={testId} marginTop={4}>
      <Text size={4} fontWeight="bold" as="h3" marginBottom={2} display="block">
        {title}
      </Text>
      {children}
    </Box>
  );
}

// The order and its buyer from Saleor (MANAGE_ORDERS, which the Claims screen needs):
// the claim itself knows only their ids.
function useOrder(orderId) {
  const { saleor } = useConsole();
  const [order, setOrder] = useState(null);
  useEffect(() => {
    let live = true;
    if (orderId) {
      saleor(ORDER, { id: orderId })
        .then((d) => live && setOrder(d.order))
        .catch(() => live && setOrder(null));
    }
    return () => {
      live = false;
    };
  }, [orderId]); // eslint-disable-line react-hooks/exhaustive-deps
  return order;
}

function buyerOf(claim, order) {
  const user = order?.user;
  const name = user ? `${user.firstName || ""} ${user.lastName || ""}`.trim() : "";
  const email = user?.email || order?.userEmail;
  if (email) return name ? `${name} <${email}>` : email;
  return claim.userId || "Guest";
}

function traceability(line) {
  const t = line.traceability;
  if (!t) return "";
  return [
    ["Origin", t.originCountry],
    ["Departure", t.departureCountry],
    ["Import port", t.importPort],
    ["Customs declaration", t.customsDeclaration],
    ["Importer", t.importer],
  ]
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}: ${v}`)
    .join(" · ");
}

function Claim({ claim, onDone }) {
  const { schema, rewards } = useConsole();
  const order = useOrder(claim.orderId);
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
  const lines = claim.lines || [];
  const evidence = claim.evidence || [];
  const events = claim.events || [];
  const address = claim.returnAddress;
  const amounts = [
    ["Paid for the lines", claim.paid, "claim-paid"],
    ["Delivery cost", claim.deliveryCost, "claim-delivery-cost"],
    ["Logistics cost", claim.logisticsCost, "claim-logistics-cost"],
    ["Other costs", claim.otherCosts, "claim-other-costs"],
    ["Ceiling", claim.compensationCeiling, "claim-ceiling"],
    ["Granted", claim.compensationGranted, "claim-granted"],
    ["Refund", claim.refundAmount, "claim-refund"],
    ["Compensation", claim.compensationAmount, "claim-compensation-amount"],
  ].filter(([, value, testId]) => value != null || ["claim-ceiling", "claim-granted"].includes(testId));
  return (
    <Box data-testid="claim" data-id={claim.id} borderWidth={1} borderStyle="solid" borderColor="default1" borderRadius={3} padding={4} marginBottom={4}>
      <Box display="flex" justifyContent="space-between" alignItems="center" gap={3} flexWrap="wrap">
        <Text size={5} fontWeight="bold" data-testid="claim-title">
          {TYPE_TITLE[claim.type] || words(claim.type)}
        </Text>
        <Chip size="large" backgroundColor={STATUS_COLOR[claim.status] || "default2"} data-testid="claim-status-value" data-status={claim.status}>
          <Text size={2} fontWeight="bold">
            {claim.status}
          </Text>
        </Chip>
      </Box>
      <Box display="flex" gap={6} flexWrap="wrap" marginTop={3}>
        <Figure label="Type" value={words(claim.type)} testId="claim-type" />
        <Figure label="Submitted" value={when(claim.createdAt)} testId="claim-submitted" />
        <Figure label="Decided" value={claim.decidedAt ? when(claim.decidedAt) : "Not yet"} testId="claim-decided" />
        <Figure label="Buyer" value={buyerOf(claim, order)} testId="claim-buyer" />
        <Figure label="Order" value={order?.number ? `#${order.number}` : claim.orderId} testId="claim-order" />
        {claim.channel && <Figure label="Channel" value={claim.channel} />}
      </Box>

      <Section title="Lines" testId="claim-lines">
        <Table
          testId="claim-lines-table"
          rowTestId="claim-line"
          rows={lines.map((l) => ({ ...l, id: l.orderLineId }))}
          empty="No line."
          columns={[
            { key: "productName", title: "Product" },
            { key: "quantity", title: "Quantity" },
            { key: "paid", title: "Paid", render: (l) => <Text size={3}>{money(l.paid)}</Text> },
            { key: "traceability", title: "Traceability", render: (l) => <Text size={2} color="default2">{traceability(l) || "—"}</Text> },
          ]}
        />
      </Section>

      <Section title="Amounts" testId="claim-amounts">
        <Box display="flex" gap={6} flexWrap="wrap">
          {amounts.map(([label, value, testId]) => (
            <Figure key={testId} label={label} value={value == null ? "—" : money(value)} testId={testId} />
          ))}
        </Box>
        {claim.refundReference && (
          <Text size={2} color="default2" marginTop={2} display="block">
            Refund reference: {claim.refundReference}
          </Text>
        )}
      </Section>

      <Section title="Story" testId="claim-story">
        {claim.description && (
          <Box padding={3} backgroundColor="default2" borderRadius={2} marginBottom={2}>
            <Text size={3} data-testid="claim-description">
              {claim.description}
            </Text>
          </Box>
        )}
        {claim.note && (
          <Text size={3} display="block" marginBottom={2}>
            Staff note: {claim.note}
          </Text>
        )}
        <Box display="flex" flexDirection="column" gap={2}>
          {events.map((e, i) => (
            <Box key={i} data-testid="claim-event" display="flex" gap={3} alignItems="baseline" flexWrap="wrap">
              <Text size={2} color="default2" style={{ minWidth: 160 }}>
                {when(e.createdAt)}
              </Text>
              <Text size={3} fontWeight="bold">
                {words(e.type)}
              </Text>
              {e.actor && (
                <Text size={2} color="default2">
                  by {actorOf(e.actor)}
                </Text>
              )}
              {e.message && <Text size={3}>{e.message}</Text>}
            </Box>
          ))}
        </Box>
      </Section>

      <Section title="Evidence" testId="claim-evidence">
        <Table
          testId="claim-evidence-table"
          rowTestId="claim-document"
          rows={evidence}
          empty="No evidence."
          columns={[
            {
              key: "filename",
              title: "File",
              render: (d) => (
                <a href={d.url} target="_blank" rel="noreferrer noopener" data-testid="claim-evidence-link" style={{ color: "inherit" }}>
                  <Text size={3} textDecoration="underline">
                    {d.filename}
                  </Text>
                </a>
              ),
            },
            { key: "contentType", title: "Type" },
            { key: "size", title: "Size", render: (d) => <Text size={3}>{size(d.size)}</Text> },
            { key: "createdAt", title: "Uploaded", render: (d) => <Text size={3}>{when(d.createdAt)}</Text> },
          ]}
        />
        <Text size={1} color="default2" display="block" marginTop={1}>
          The links are signed and expire: reload the page for fresh ones.
        </Text>
      </Section>

      {address && (
        <Section title="Return address" testId="claim-return-address">
          <Text size={3}>
            {[address.name, address.company, address.streetAddress1, address.streetAddress2, `${address.postalCode} ${address.city}`.trim(), address.countryArea, address.country, address.phone]
              .filter(Boolean)
              .join(", ")}
          </Text>
        </Section>
      )}

      <Box marginTop={4}>
        <ErrorNote error={result.error} />
        <SuccessNote message={result.ok} />
      </Box>
      {canAct && open && (
        <Box display="flex" gap={2} alignItems="flex-end" marginTop={2} flexWrap="wrap" data-testid="claim-actions">
          <Field label="Note to the customer (reason)" value={note} onChange={setNote} testId="claim-note" />
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
