// Members (SPEC O4, U1-U3, P2, P5): search Saleor's customers, a member's balances,
// tier, debt and history, and staff actions (adjust, restrict, erase).

import { Box, Button, Text } from "@saleor/macaw-ui";
import React, { useState } from "react";

import { mutationErrors, useConsole, usePaged } from "../api.js";
import {
  Card,
  ChannelPicker,
  Choice,
  ErrorNote,
  Field,
  Figure,
  NeedsPermission,
  Pager,
  SuccessNote,
  Table,
  money,
  when,
} from "../components.jsx";

const CUSTOMERS = `query Customers($first: Int, $after: String, $search: String) {
  customers(first: $first, after: $after, filter: { search: $search }) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id email firstName lastName } } } }`;

export function Members() {
  const { saleor, navigate, can } = useConsole();
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const paged = usePaged(
    (after) => saleor(CUSTOMERS, { first: 20, after, search: query || null }).then((d) => d.customers),
    [query],
  );
  if (!can("MANAGE_USERS")) return <NeedsPermission permission="MANAGE_USERS" />;
  const rows = (paged.page?.edges || []).map((e) => e.node);
  return (
    <Card title="Members" testId="members-screen" actions={<ChannelPicker />}>
      <Box
        as="form"
        display="flex"
        gap={2}
        alignItems="flex-end"
        marginBottom={3}
        onSubmit={(event) => {
          event.preventDefault();
          setQuery(search.trim());
        }}
      >
        <Field label="Search e-mail or name" value={search} onChange={setSearch} testId="member-search" />
        <Button type="submit" variant="primary" size="small" data-testid="member-search-submit">
          Search
        </Button>
      </Box>
      <ErrorNote error={paged.error} />
      <Table
        testId="members"
        rowTestId="member-row"
        rows={rows}
        empty={paged.loading ? "Loading…" : "No customer found."}
        columns={[
          { key: "email", title: "E-mail" },
          { key: "name", title: "Name", render: (r) => <Text size={3}>{`${r.firstName} ${r.lastName}`.trim()}</Text> },
          {
            key: "open",
            title: "",
            render: (r) => (
              <Button size="small" variant="secondary" data-testid="member-open" onClick={() => navigate({ screen: "member", userId: r.id })}>
                Open
              </Button>
            ),
          },
        ]}
      />
      <Pager paged={paged} />
    </Card>
  );
}

function memberQuery(schema) {
  const restricted = schema.hasField("RewardsMember", "restricted") ? "restricted" : "";
  const entry = schema.selection("RewardsLedgerEntry", 1);
  return `query Member($userId: ID!, $channel: String!, $first: Int, $after: String, $kind: RewardsBalanceKind) {
    rewardsMember(userId: $userId, channel: $channel) {
      userId channel ${restricted}
      points { available pending held expiringSoon { points expiresAt } }
      cash { available { amount currency } pending { amount currency } held { amount currency } }
      debt { points cash { amount currency } }
      tier { name discountPercent maxRedeemPercent }
      history(first: $first, after: $after, kind: $kind) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { ${entry} } } } } }`;
}

const CUSTOMER = "query Customer($id: ID!) { user(id: $id) { id email firstName lastName } }";

export function Member() {
  const { schema, rewards, saleor, channel, route, navigate, can } = useConsole();
  const userId = route.userId;
  const [kind, setKind] = useState("");
  const [customer, setCustomer] = useState(null);
  const paged = usePaged(async (after) => {
    if (!userId || !channel) return null;
    const [data, who] = await Promise.all([
      rewards(memberQuery(schema), { userId, channel, first: 20, after, kind: kind || null }),
      saleor(CUSTOMER, { id: userId }).catch(() => ({ user: null })),
    ]);
    setCustomer(who.user);
    return data.rewardsMember && { ...data.rewardsMember, ...data.rewardsMember.history };
  }, [userId, channel, kind]);

  if (!userId) return <Text>Choose a member on the Members screen.</Text>;
  const member = paged.page;
  // The same page again, its figures kept on screen until the new ones arrive (the
  // actions below keep their messages).
  const refresh = paged.reload;
  return (
    <Box data-testid="member-screen">
      <Card
        title={customer ? `${customer.email}` : "Member"}
        actions={
          <Box display="flex" gap={2} alignItems="flex-end">
            <ChannelPicker />
            <Button size="small" variant="secondary" onClick={() => navigate({ screen: "members" })}>
              All members
            </Button>
          </Box>
        }
      >
        <ErrorNote error={paged.error} />
        {!member && !paged.loading && !paged.error && <Text>No member with this id.</Text>}
        {member && (
          <Box display="flex" gap={6} flexWrap="wrap" data-testid="member-balances">
            <Figure label="Points available" value={member.points.available} testId="points-available" />
            <Figure label="Points pending" value={member.points.pending} />
            <Figure label="Points held" value={member.points.held} />
            <Figure label="Cash available" value={money(member.cash.available)} testId="cash-available" />
            <Figure label="Cash pending" value={money(member.cash.pending)} />
            <Figure label="Tier" value={member.tier.name || "—"} testId="member-tier" />
            <Figure label="Debt" value={`${member.debt.points} points · ${money(member.debt.cash)}`} testId="member-debt" />
            {"restricted" in member && <Figure label="Restricted" value={member.restricted ? "yes" : "no"} testId="member-restricted" />}
          </Box>
        )}
      </Card>
      {member && (
        <Card title="History" testId="member-history">
          <Box marginBottom={3} display="flex" gap={2}>
            <Choice label="Kind" value={kind} onChange={setKind} testId="history-kind" options={[["", "All"], ["POINTS", "Points"], ["CASH", "Cash"]]} />
          </Box>
          <Table
            rowTestId="history-row"
            rows={(member.edges || []).map((e) => e.node)}
            columns={[
              { key: "createdAt", title: "When", render: (r) => <Text size={3}>{when(r.createdAt)}</Text> },
              { key: "kind", title: "Kind" },
              { key: "type", title: "Type" },
              { key: "amount", title: "Amount" },
              { key: "balanceAfter", title: "Balance after" },
              { key: "expiresAt", title: "Expires", render: (r) => <Text size={3}>{when(r.expiresAt)}</Text> },
              { key: "reason", title: "Reason" },
            ]}
          />
          <Pager paged={paged} />
        </Card>
      )}
      {member && (can("MANAGE_GIFT_CARD") || can("MANAGE_USERS")) && schema.hasMutation("rewardsBalanceAdjust") && (
        <Adjust userId={userId} onDone={refresh} />
      )}
      {member && can("MANAGE_USERS") && schema.hasMutation("rewardsMemberRestrict") && (
        <Restrict userId={userId} restricted={!!member.restricted} onDone={refresh} />
      )}
      {member && can("MANAGE_USERS") && schema.hasMutation("rewardsMemberErase") && <Erase userId={userId} onDone={refresh} />}
    </Box>
  );
}

const ADJUST = `mutation Adjust($userId: ID!, $channel: String!, $kind: RewardsBalanceKind!, $amount: Decimal!,
  $reason: String!, $expiresInDays: Int, $idempotencyKey: String) {
  rewardsBalanceAdjust(userId: $userId, channel: $channel, kind: $kind, amount: $amount, reason: $reason,
    expiresInDays: $expiresInDays, idempotencyKey: $idempotencyKey) {
    errors { field code message } entry { id amount } } }`;

function newKey() {
  return typeof crypto !== "undefined" && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

function Adjust({ userId, onDone }) {
  const { rewards, channel } = useConsole();
  const [form, setForm] = useState({ kind: "POINTS", amount: "", reason: "", expiresInDays: "" });
  // One key per intended adjustment: a double click or a retry is the same request.
  const [key, setKey] = useState(newKey);
  const [result, setResult] = useState({ error: null, ok: null });
  const set = (name) => (value) => {
    setForm((f) => ({ ...f, [name]: value }));
    setKey(newKey());
  };
  const submit = async (event) => {
    event.preventDefault();
    try {
      const data = await rewards(ADJUST, {
        userId,
        channel,
        kind: form.kind,
        amount: form.amount,
        reason: form.reason,
        expiresInDays: form.expiresInDays ? Number(form.expiresInDays) : null,
        idempotencyKey: key,
      });
      const error = mutationErrors(data.rewardsBalanceAdjust);
      setResult({ error, ok: error ? null : `Adjusted by ${form.amount}.` });
      if (!error) {
        setForm({ kind: form.kind, amount: "", reason: "", expiresInDays: "" });
        setKey(newKey());
        onDone();
      }
    } catch (error) {
      setResult({ error: error.message, ok: null });
    }
  };
  return (
    <Card title="Adjust the balance" testId="adjust">
      <ErrorNote error={result.error} />
      <SuccessNote message={result.ok} />
      <Box as="form" display="flex" gap={2} alignItems="flex-end" flexWrap="wrap" onSubmit={submit}>
        <Choice label="Kind" value={form.kind} onChange={set("kind")} testId="adjust-kind" options={["POINTS", "CASH"]} />
        <Field label="Amount (negative to correct down)" value={form.amount} onChange={set("amount")} testId="adjust-amount" />
        <Field label="Reason (required)" value={form.reason} onChange={set("reason")} testId="adjust-reason" />
        <Field label="Expires in days" value={form.expiresInDays} onChange={set("expiresInDays")} testId="adjust-expires" />
        <Button type="submit" variant="primary" size="small" data-testid="adjust-submit">
          Adjust
        </Button>
      </Box>
    </Card>
  );
}

const RESTRICT = `mutation Restrict($userId: ID!, $restricted: Boolean!, $reason: String!) {
  rewardsMemberRestrict(userId: $userId, restricted: $restricted, reason: $reason) { errors { field code message } } }`;

function Restrict({ userId, restricted, onDone }) {
  const { rewards } = useConsole();
  const [reason, setReason] = useState("");
  const [result, setResult] = useState({ error: null, ok: null });
  const submit = async () => {
    try {
      const data = await rewards(RESTRICT, { userId, restricted: !restricted, reason });
      const error = mutationErrors(data.rewardsMemberRestrict);
      setResult({ error, ok: error ? null : restricted ? "Restriction lifted." : "Member restricted." });
      if (!error) onDone();
    } catch (error) {
      setResult({ error: error.message, ok: null });
    }
  };
  return (
    <Card title={restricted ? "Lift the restriction" : "Restrict processing (P5)"} testId="restrict">
      <ErrorNote error={result.error} />
      <SuccessNote message={result.ok} />
      <Box display="flex" gap={2} alignItems="flex-end">
        <Field label="Reason (required)" value={reason} onChange={setReason} testId="restrict-reason" />
        <Button variant="secondary" size="small" onClick={submit} data-testid="restrict-submit">
          {restricted ? "Lift restriction" : "Restrict"}
        </Button>
      </Box>
    </Card>
  );
}

const ERASE = `mutation Erase($userId: ID!, $reason: String!) {
  rewardsMemberErase(userId: $userId, reason: $reason) { errors { field code message } } }`;

function Erase({ userId, onDone }) {
  const { rewards } = useConsole();
  const [reason, setReason] = useState("");
  const [confirm, setConfirm] = useState("");
  const [result, setResult] = useState({ error: null, ok: null });
  const submit = async () => {
    try {
      const data = await rewards(ERASE, { userId, reason });
      const error = mutationErrors(data.rewardsMemberErase);
      setResult({ error, ok: error ? null : "Personal data erased; ledger amounts kept." });
      if (!error) onDone();
    } catch (error) {
      setResult({ error: error.message, ok: null });
    }
  };
  return (
    <Card title="Erase personal data (P2)" testId="erase">
      <ErrorNote error={result.error} />
      <SuccessNote message={result.ok} />
      <Box display="flex" gap={2} alignItems="flex-end">
        <Field label="Reason (required)" value={reason} onChange={setReason} testId="erase-reason" />
        <Field label='Type "ERASE" to confirm' value={confirm} onChange={setConfirm} testId="erase-confirm" />
        <Button variant="error" size="small" disabled={confirm !== "ERASE"} onClick={submit} data-testid="erase-submit">
          Erase
        </Button>
      </Box>
    </Card>
  );
}
