// Reviews queue (B2): approve or reject with a note; approval pays the review points.

import { Box, Button, Text } from "@saleor/macaw-ui";
import React, { useState } from "react";

import { mutationErrors, useConsole, usePaged } from "../api.js";
import { Card, ChannelPicker, Choice, ErrorNote, Field, NeedsPermission, Pager, SuccessNote, Table, Value, when } from "../components.jsx";

const REVIEWS = `query Reviews($status: RewardsReviewStatus, $channel: String, $first: Int, $after: String) {
  rewardsReviews(status: $status, channel: $channel, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id channel userId status text photoUrls points orderId createdAt decidedAt note } } } }`;

const MODERATE = `mutation Moderate($id: ID!, $action: RewardsReviewAction!, $note: String) {
  rewardsReviewModerate(id: $id, action: $action, note: $note) {
    errors { field code message } review { id status } } }`;

export function Reviews() {
  const { rewards, channel, can, navigate } = useConsole();
  const [status, setStatus] = useState("PENDING");
  const [notes, setNotes] = useState({});
  const [result, setResult] = useState({ error: null, ok: null });
  const paged = usePaged(
    (after) => rewards(REVIEWS, { status: status || null, channel, first: 20, after }).then((d) => d.rewardsReviews),
    [status, channel],
  );
  if (!can("MANAGE_USERS")) return <NeedsPermission permission="MANAGE_USERS" />;
  const act = async (id, action) => {
    try {
      const data = await rewards(MODERATE, { id, action, note: notes[id] || null });
      const error = mutationErrors(data.rewardsReviewModerate);
      setResult({ error, ok: error ? null : `Review ${action === "APPROVE" ? "approved" : "rejected"}.` });
      if (!error) paged.reload();
    } catch (error) {
      setResult({ error: error.message, ok: null });
    }
  };
  return (
    <Card title="Reviews" testId="reviews-screen" actions={<ChannelPicker />}>
      <Box marginBottom={3}>
        <Choice label="Status" value={status} onChange={setStatus} testId="review-status" options={[["", "All"], "PENDING", "APPROVED", "REJECTED"]} />
      </Box>
      <ErrorNote error={result.error || paged.error} />
      <SuccessNote message={result.ok} />
      <Table
        testId="reviews"
        rowTestId="review-row"
        rows={(paged.page?.edges || []).map((e) => e.node)}
        empty={paged.loading ? "Loading…" : "No review in this queue."}
        columns={[
          { key: "createdAt", title: "Submitted", render: (r) => <Text size={3}>{when(r.createdAt)}</Text> },
          { key: "status", title: "Status" },
          { key: "text", title: "Text" },
          { key: "photoUrls", title: "Photos", render: (r) => <Value value={r.photoUrls} /> },
          { key: "points", title: "Points" },
          {
            key: "userId",
            title: "Member",
            render: (r) =>
              r.userId ? (
                <Button size="small" variant="tertiary" onClick={() => navigate({ screen: "member", userId: r.userId })}>
                  Open member
                </Button>
              ) : null,
          },
          {
            key: "actions",
            title: "",
            render: (r) =>
              r.status === "PENDING" ? (
                <Box display="flex" gap={1} alignItems="flex-end">
                  <Field label="Note" value={notes[r.id]} onChange={(v) => setNotes((n) => ({ ...n, [r.id]: v }))} testId="review-note" />
                  <Button size="small" variant="primary" data-testid="review-approve" onClick={() => act(r.id, "APPROVE")}>
                    Approve
                  </Button>
                  <Button size="small" variant="error" data-testid="review-reject" onClick={() => act(r.id, "REJECT")}>
                    Reject
                  </Button>
                </Box>
              ) : (
                <Text size={2}>{r.note}</Text>
              ),
          },
        ]}
      />
      <Pager paged={paged} />
    </Card>
  );
}
