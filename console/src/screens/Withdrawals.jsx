// Withdrawals queue (W1-W4): approve, reject, mark failed; select approved ones,
// download their SEPA or PayPal payout file, mark the batch paid. Only staff with
// HANDLE_PAYMENTS see the actions (SPEC §0); the others see the queue.

import { Box, Button, Checkbox, Text } from "@saleor/macaw-ui";
import React, { useState } from "react";

import { mutationErrors, useConsole, usePaged } from "../api.js";
import { Card, ChannelPicker, Choice, ErrorNote, Field, Pager, SuccessNote, Table, Unavailable, Value, money, when } from "../components.jsx";

const FIELD = "rewardsWithdrawals";

export function Withdrawals() {
  const { schema } = useConsole();
  if (!schema.hasQuery(FIELD)) return <Unavailable field={FIELD} />;
  return <WithdrawalQueue />;
}

function payoutSelection(schema) {
  const payload = schema.rootType("mutation", "rewardsWithdrawalPayoutFile");
  if (!payload) return null;
  if (schema.hasField(payload, "content")) return { path: null, fields: "filename contentType content" };
  const holder = schema.types.get(payload).fields.find((f) => schema.hasField(schema.fieldType(payload, f.name)?.name, "content"));
  return holder ? { path: holder.name, fields: `${holder.name} { filename contentType content }` } : null;
}

// The file as a link the operator clicks to save: a download started by the page
// itself after the API answered would no longer count as the operator's click, and
// Chromium refuses such downloads in a framed App (the Dashboard frames the console).
function savedFile({ filename, contentType, content }) {
  const bytes = Uint8Array.from(atob(content), (c) => c.charCodeAt(0));
  return { filename, url: URL.createObjectURL(new Blob([bytes], { type: contentType })) };
}

function WithdrawalQueue() {
  const { schema, rewards, channel, can } = useConsole();
  const [status, setStatus] = useState("REQUESTED");
  const [selected, setSelected] = useState([]);
  const [note, setNote] = useState("");
  const [reference, setReference] = useState("");
  const [format, setFormat] = useState("SEPA_XML");
  const [result, setResult] = useState({ error: null, ok: null });
  const [file, setFile] = useState(null);
  const node = schema.nodeType(schema.rootType("query", FIELD));
  const statusArg = schema.argType("query", FIELD, "status");
  const query = `query Withdrawals($channel: String!, $status: ${statusArg}, $first: Int, $after: String) {
    ${FIELD}(channel: $channel, status: $status, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${schema.selection(node, 1)} } } } }`;
  const paged = usePaged(
    (after) => (channel ? rewards(query, { channel, status: status || null, first: 20, after }).then((d) => d[FIELD]) : Promise.resolve(null)),
    [channel, status],
  );
  const canAct = can("HANDLE_PAYMENTS") && schema.hasMutation("rewardsWithdrawalProcess");
  const payout = canAct ? payoutSelection(schema) : null;
  const rows = (paged.page?.edges || []).map((e) => e.node);
  const done = (error, ok, action) => {
    setResult({ error, ok: error ? null : ok });
    if (!error) {
      setSelected([]);
      paged.reload();
    }
    // The batch is paid: its payout file is spent, and saving it again would invite
    // paying it twice.
    if (!error && action === "MARK_PAID" && file) {
      URL.revokeObjectURL(file.url);
      setFile(null);
    }
  };
  const process = async (ids, action, extra = {}) => {
    const mutation = `mutation Process($id: ID!, $action: ${schema.argType("mutation", "rewardsWithdrawalProcess", "action")}, $payoutReference: String, $note: String) {
      rewardsWithdrawalProcess(id: $id, action: $action, payoutReference: $payoutReference, note: $note) { errors { field code message } } }`;
    const errors = [];
    for (const id of ids) {
      try {
        const data = await rewards(mutation, { id, action, note: note || null, ...extra });
        const error = mutationErrors(data.rewardsWithdrawalProcess);
        if (error) errors.push(error);
      } catch (error) {
        errors.push(error.message);
      }
    }
    done(errors.join("; ") || null, `${action} done for ${ids.length} withdrawal(s).`, action);
  };
  const payoutFile = async () => {
    const mutation = `mutation Payout($ids: ${schema.argType("mutation", "rewardsWithdrawalPayoutFile", "ids")}, $format: ${schema.argType("mutation", "rewardsWithdrawalPayoutFile", "format")}) {
      rewardsWithdrawalPayoutFile(ids: $ids, format: $format) { errors { field code message } ${payout.fields} } }`;
    try {
      const data = await rewards(mutation, { ids: selected, format });
      const answer = data.rewardsWithdrawalPayoutFile;
      const error = mutationErrors(answer);
      if (file) URL.revokeObjectURL(file.url);
      setFile(error ? null : savedFile(payout.path ? answer[payout.path] : answer));
      setResult({ error, ok: error ? null : `Payout file for ${selected.length} withdrawal(s) ready: save it, upload it to the bank or PayPal, then mark the batch paid.` });
    } catch (error) {
      setResult({ error: error.message, ok: null });
    }
  };
  const toggle = (id) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const columns = [
    ...(canAct
      ? [
          {
            key: "select",
            title: "",
            render: (r) =>
              r.status === "APPROVED" ? <Checkbox data-testid="withdrawal-select" checked={selected.includes(r.id)} onCheckedChange={() => toggle(r.id)} /> : null,
          },
        ]
      : []),
    { key: "createdAt", title: "Requested", render: (r) => <Text size={3}>{when(r.createdAt)}</Text> },
    { key: "status", title: "Status" },
    { key: "amount", title: "Amount", render: (r) => <Text size={3}>{money(r.amount)}</Text> },
    { key: "method", title: "Method" },
    { key: "detailsMasked", title: "Details", render: (r) => <Value value={r.detailsMasked} /> },
  ];
  if (canAct) {
    columns.push({
      key: "actions",
      title: "",
      render: (r) => (
        <Box display="flex" gap={1}>
          {r.status === "REQUESTED" && (
            <Button size="small" data-testid="withdrawal-approve" onClick={() => process([r.id], "APPROVE")}>
              Approve
            </Button>
          )}
          {["REQUESTED", "APPROVED"].includes(r.status) && (
            <Button size="small" variant="error" data-testid="withdrawal-reject" onClick={() => process([r.id], "REJECT")}>
              Reject
            </Button>
          )}
          {r.status === "APPROVED" && (
            <Button size="small" variant="secondary" data-testid="withdrawal-fail" onClick={() => process([r.id], "MARK_FAILED")}>
              Mark failed
            </Button>
          )}
        </Box>
      ),
    });
  }
  return (
    <Card title="Withdrawals" testId="withdrawals-screen" actions={<ChannelPicker />}>
      <Box display="flex" gap={3} marginBottom={3} alignItems="flex-end" flexWrap="wrap">
        <Choice label="Status" value={status} onChange={setStatus} testId="withdrawal-status" options={[["", "All"], ...schema.enumValues(statusArg.replace(/[!\[\]]/g, ""))]} />
        {canAct && <Field label="Note (reject, fail)" value={note} onChange={setNote} testId="withdrawal-note" />}
      </Box>
      {!canAct && (
        <Text size={2} color="default2" data-testid="withdrawal-readonly">
          Acting on withdrawals needs the HANDLE_PAYMENTS permission.
        </Text>
      )}
      <ErrorNote error={result.error || paged.error} />
      <SuccessNote message={result.ok} />
      <Table testId="withdrawals" rowTestId="withdrawal-row" rows={rows} columns={columns} empty={paged.loading ? "Loading…" : "No withdrawal."} />
      <Pager paged={paged} />
      {canAct && (
        <Box display="flex" gap={2} marginTop={4} alignItems="flex-end" flexWrap="wrap" data-testid="withdrawal-batch">
          <Text size={3}>{selected.length} selected</Text>
          {payout && (
            <>
              <Choice label="File" value={format} onChange={setFormat} testId="payout-format" options={[["SEPA_XML", "SEPA credit transfer (XML)"], ["PAYPAL_CSV", "PayPal payouts (CSV)"]]} />
              <Button size="small" variant="secondary" disabled={!selected.length} onClick={payoutFile} data-testid="payout-download">
                Prepare payout file
              </Button>
              {file && (
                <a href={file.url} download={file.filename} data-testid="payout-save">
                  Save {file.filename}
                </a>
              )}
            </>
          )}
          <Field label="Payout reference" value={reference} onChange={setReference} testId="payout-reference" />
          <Button size="small" disabled={!selected.length} onClick={() => process(selected, "MARK_PAID", { payoutReference: reference || null })} data-testid="mark-paid">
            Mark batch paid
          </Button>
        </Box>
      )}
    </Card>
  );
}
