// Liability (O3): what the program owes now, and how it moved (a daily series).

import { Box, Text } from "@saleor/macaw-ui";
import React, { useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { useConsole, usePaged } from "../api.js";
import { Card, ChannelPicker, Choice, ErrorNote, Figure, NeedsPermission, Unavailable, money } from "../components.jsx";

const FIELD = "rewardsLiability";

export function Liability() {
  const { schema, can } = useConsole();
  if (!schema.hasQuery(FIELD)) return <Unavailable field={FIELD} />;
  if (!can("MANAGE_PLUGINS")) return <NeedsPermission permission="MANAGE_PLUGINS" />;
  return <LiabilityReport />;
}

// Flattens {points: {outstanding}, cash: {outstanding: {amount}}} into chart keys.
function flatten(value, prefix = "", out = {}) {
  for (const [key, v] of Object.entries(value || {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (v && typeof v === "object" && "amount" in v) out[name] = Number(v.amount);
    else if (v && typeof v === "object") flatten(v, name, out);
    else out[name] = v;
  }
  return out;
}

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2"];

function LiabilityReport() {
  const { schema, rewards, channel } = useConsole();
  const [days, setDays] = useState("30");
  const type = schema.rootType("query", FIELD);
  const seriesType = schema.fieldType(type, "series")?.name;
  const selection = schema.selection(type, 2, ["series"]);
  const seriesArgs = schema.types.get(type)?.fields?.find((f) => f.name === "series")?.args || [];
  const series = seriesType ? `series${seriesArgs.some((a) => a.name === "days") ? "(days: $days)" : ""} { ${schema.selection(seriesType, 2)} }` : "";
  const rootArgs = schema.query.fields.find((f) => f.name === FIELD).args.map((a) => a.name);
  const daysArg = rootArgs.includes("days") ? ", days: $days" : "";
  const declareDays = daysArg || series.includes("$days") ? ", $days: Int" : "";
  const query = `query Liability($channel: String!${declareDays}) { ${FIELD}(channel: $channel${daysArg}) { ${selection} ${series} } }`;
  const paged = usePaged(() => (channel ? rewards(query, { channel, days: Number(days) }).then((d) => d[FIELD]) : Promise.resolve(null)), [channel, days]);
  const report = paged.page;
  const { series: points, ...now } = report || {};
  const figures = flatten(now);
  const rows = (points || []).map((p) => flatten(p));
  const lines = rows.length ? Object.keys(rows[0]).filter((k) => k !== "date" && typeof rows[0][k] === "number") : [];
  return (
    <Card title="Liability" testId="liability-screen" actions={<ChannelPicker />}>
      <Box marginBottom={3}>
        <Choice label="Days" value={days} onChange={setDays} testId="liability-days" options={["7", "30", "90", "365"]} />
      </Box>
      <ErrorNote error={paged.error} />
      {report && (
        <Box display="flex" gap={6} flexWrap="wrap" marginBottom={4} data-testid="liability-figures">
          {Object.entries(figures).map(([k, v]) => (
            <Figure key={k} label={k} value={typeof v === "object" ? money(v) : String(v)} testId={`liability-${k}`} />
          ))}
        </Box>
      )}
      {rows.length > 0 ? (
        <Box data-testid="liability-chart" style={{ width: "100%", height: 320 }}>
          <ResponsiveContainer width="100%" height={320}>
            <LineChart data={rows} margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="date" />
              <YAxis />
              <Tooltip />
              <Legend />
              {lines.map((key, i) => (
                <Line key={key} type="monotone" dataKey={key} stroke={COLORS[i % COLORS.length]} dot={false} isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </Box>
      ) : (
        report && <Text color="default2">No daily series yet.</Text>
      )}
    </Card>
  );
}
