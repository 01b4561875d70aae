// Tiers editor (T1-T4): a channel's membership tiers; editing needs MANAGE_DISCOUNTS.

import { Box, Button, Checkbox, Text } from "@saleor/macaw-ui";
import React, { useState } from "react";

import { mutationErrors, useConsole, usePaged } from "../api.js";
import { Card, ChannelPicker, ErrorNote, Field, NeedsPermission, SuccessNote, Table, money } from "../components.jsx";

const TIERS = `query Tiers($channel: String!) { rewardsTiers(channel: $channel) {
  id name position minConsumption { amount currency } discountPercent maxRedeemPercent earnMultiplier forUnverified membersCount } }`;
const TIER = "errors { field code message } tier { id }";
const CREATE = `mutation Create($channel: String!, $input: RewardsTierInput!) { rewardsTierCreate(channel: $channel, input: $input) { ${TIER} } }`;
const UPDATE = `mutation Update($id: ID!, $input: RewardsTierInput!) { rewardsTierUpdate(id: $id, input: $input) { ${TIER} } }`;
const DELETE = `mutation Delete($id: ID!) { rewardsTierDelete(id: $id) { errors { field code message } } }`;

const EMPTY = { name: "", minConsumption: "", discountPercent: "", maxRedeemPercent: "", earnMultiplier: "1", position: "" };

function input(form) {
  const out = {};
  for (const [key, value] of Object.entries(form)) {
    if (value === "" || value == null) continue;
    out[key] = key === "position" ? Number(value) : value;
  }
  return out;
}

export function Tiers() {
  const { rewards, channel, can } = useConsole();
  const [editing, setEditing] = useState(null);
  const [form, setForm] = useState(EMPTY);
  const [result, setResult] = useState({ error: null, ok: null });
  const paged = usePaged(
    () => (channel ? rewards(TIERS, { channel }).then((d) => ({ edges: d.rewardsTiers.map((node) => ({ node })), totalCount: d.rewardsTiers.length })) : Promise.resolve(null)),
    [channel],
  );
  if (!can("MANAGE_USERS") && !can("MANAGE_DISCOUNTS")) return <NeedsPermission permission="MANAGE_DISCOUNTS" />;
  const canEdit = can("MANAGE_DISCOUNTS");
  const run = async (query, variables, field, ok) => {
    try {
      const data = await rewards(query, variables);
      const error = mutationErrors(data[field]);
      setResult({ error, ok: error ? null : ok });
      if (!error) {
        setEditing(null);
        setForm(EMPTY);
        paged.reload();
      }
    } catch (error) {
      setResult({ error: error.message, ok: null });
    }
  };
  const save = (event) => {
    event.preventDefault();
    if (editing === "new") run(CREATE, { channel, input: input(form) }, "rewardsTierCreate", "Tier created.");
    else run(UPDATE, { id: editing, input: input(form) }, "rewardsTierUpdate", "Tier saved.");
  };
  const edit = (tier) => {
    setEditing(tier.id);
    setForm({
      name: tier.name,
      minConsumption: String(tier.minConsumption.amount),
      discountPercent: String(tier.discountPercent),
      maxRedeemPercent: tier.maxRedeemPercent == null ? "" : String(tier.maxRedeemPercent),
      earnMultiplier: String(tier.earnMultiplier),
      position: String(tier.position),
    });
  };
  const set = (name) => (value) => setForm((f) => ({ ...f, [name]: value }));
  const rows = (paged.page?.edges || []).map((e) => e.node);
  return (
    <Card
      title="Tiers"
      testId="tiers-screen"
      actions={
        <Box display="flex" gap={2} alignItems="flex-end">
          <ChannelPicker />
          {canEdit && (
            <Button size="small" data-testid="tier-new" onClick={() => { setEditing("new"); setForm(EMPTY); }}>
              New tier
            </Button>
          )}
        </Box>
      }
    >
      <ErrorNote error={result.error || paged.error} />
      <SuccessNote message={result.ok} />
      <Table
        testId="tiers"
        rowTestId="tier-row"
        rows={rows}
        empty={paged.loading ? "Loading…" : "No tier."}
        columns={[
          { key: "position", title: "#" },
          { key: "name", title: "Name" },
          { key: "minConsumption", title: "From spending", render: (r) => <Text size={3}>{money(r.minConsumption)}</Text> },
          { key: "discountPercent", title: "Discount %" },
          { key: "maxRedeemPercent", title: "Max redeem %", render: (r) => <Text size={3}>{r.maxRedeemPercent ?? "program's"}</Text> },
          { key: "earnMultiplier", title: "Earn ×" },
          { key: "forUnverified", title: "Unverified", render: (r) => <Checkbox checked={r.forUnverified} disabled /> },
          { key: "membersCount", title: "Members" },
          ...(canEdit
            ? [
                {
                  key: "actions",
                  title: "",
                  render: (r) => (
                    <Box display="flex" gap={1}>
                      <Button size="small" variant="secondary" data-testid="tier-edit" onClick={() => edit(r)}>
                        Edit
                      </Button>
                      <Button size="small" variant="error" data-testid="tier-delete" onClick={() => run(DELETE, { id: r.id }, "rewardsTierDelete", "Tier deleted.")}>
                        Delete
                      </Button>
                    </Box>
                  ),
                },
              ]
            : []),
        ]}
      />
      {canEdit && editing && (
        <Box as="form" display="flex" gap={2} marginTop={4} alignItems="flex-end" flexWrap="wrap" onSubmit={save} data-testid="tier-form">
          <Field label="Name" value={form.name} onChange={set("name")} testId="tier-name" />
          <Field label="From spending" value={form.minConsumption} onChange={set("minConsumption")} testId="tier-min" />
          <Field label="Discount %" value={form.discountPercent} onChange={set("discountPercent")} testId="tier-discount" />
          <Field label="Max redeem %" value={form.maxRedeemPercent} onChange={set("maxRedeemPercent")} testId="tier-max-redeem" />
          <Field label="Earn ×" value={form.earnMultiplier} onChange={set("earnMultiplier")} testId="tier-multiplier" />
          <Field label="Position" value={form.position} onChange={set("position")} testId="tier-position" />
          <Button type="submit" size="small" data-testid="tier-save">
            Save
          </Button>
          <Button size="small" variant="secondary" onClick={() => setEditing(null)}>
            Cancel
          </Button>
        </Box>
      )}
    </Card>
  );
}
