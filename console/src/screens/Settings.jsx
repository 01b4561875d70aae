// Program settings per channel (SPEC §0): each setting with the plugin's value and
// this channel's override; saving needs MANAGE_PLUGINS.

import { Box, Button, Text } from "@saleor/macaw-ui";
import React, { useState } from "react";

import { mutationErrors, useConsole, usePaged } from "../api.js";
import { Card, ChannelPicker, ErrorNote, Field, NeedsPermission, SuccessNote, Table } from "../components.jsx";

const PROGRAM = `query Program($channel: String!) { rewardsProgram(channel: $channel) {
  channel currency enabled settings { name label help value overridden pluginValue default } } }`;
const UPDATE = `mutation Update($channel: String!, $input: RewardsProgramInput!) {
  rewardsProgramUpdate(channel: $channel, input: $input) { errors { field code message } program { channel } } }`;

export function Settings() {
  const { rewards, channel, can } = useConsole();
  // The operator's edits belong to the channel they were typed for: another channel
  // starts afresh, a reload of the same one (a refreshed token, a slow first answer)
  // never throws them away, and a successful save clears them.
  const [edits, setEdits] = useState({ channel: null, values: {} });
  const values = edits.channel === channel ? edits.values : {};
  const setValues = (update) =>
    setEdits((all) => ({ channel, values: update(all.channel === channel ? all.values : {}) }));
  const [result, setResult] = useState({ error: null, ok: null });
  const paged = usePaged(
    () => (channel ? rewards(PROGRAM, { channel }).then((d) => d.rewardsProgram) : Promise.resolve(null)),
    [channel],
  );
  if (!can("MANAGE_PLUGINS")) return <NeedsPermission permission="MANAGE_PLUGINS" />;
  const program = paged.page;
  const changed = Object.entries(values).map(([name, value]) => ({ name, value }));
  const save = async (input, ok) => {
    try {
      const data = await rewards(UPDATE, { channel, input });
      const error = mutationErrors(data.rewardsProgramUpdate);
      setResult({ error, ok: error ? null : ok });
      if (!error) {
        setEdits({ channel, values: {} });
        paged.reload();
      }
    } catch (error) {
      setResult({ error: error.message, ok: null });
    }
  };
  return (
    <Card title="Program settings" testId="settings-screen" actions={<ChannelPicker />}>
      <ErrorNote error={result.error || paged.error} />
      <SuccessNote message={result.ok} />
      {program && (
        <Table
          testId="settings"
          rowTestId="setting-row"
          rows={program.settings.map((s) => ({ ...s, id: s.name }))}
          columns={[
            {
              key: "label",
              title: "Setting",
              render: (s) => (
                <Box>
                  <Text size={3} fontWeight="medium">
                    {s.label}
                  </Text>
                  <Text size={2} color="default2" as="p">
                    {s.help}
                  </Text>
                </Box>
              ),
            },
            {
              key: "value",
              title: "This channel",
              render: (s) => <Field label={s.name} value={values[s.name] ?? s.value} onChange={(v) => setValues((all) => ({ ...all, [s.name]: v }))} testId={`setting-${s.name}`} />,
            },
            { key: "pluginValue", title: "Plugin's value" },
            {
              key: "overridden",
              title: "",
              render: (s) =>
                s.overridden ? (
                  <Button size="small" variant="secondary" data-testid={`reset-${s.name}`} onClick={() => save({ reset: [s.name] }, `${s.label}: back to the plugin's value.`)}>
                    Use plugin's value
                  </Button>
                ) : null,
            },
          ]}
        />
      )}
      <Box marginTop={3}>
        <Button disabled={!changed.length} data-testid="settings-save" onClick={() => save({ settings: changed }, "Settings saved.")}>
          Save {changed.length ? `(${changed.length})` : ""}
        </Button>
      </Box>
    </Card>
  );
}
