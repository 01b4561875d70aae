// Small building blocks in Saleor's look (macaw-ui), shared by the screens.

import { Box, Button, Input, Text } from "@saleor/macaw-ui";
import React from "react";

import { useConsole } from "./api.js";

export function Card({ title, children, testId, actions }) {
  return (
    <Box
      data-testid={testId}
      borderWidth={1}
      borderStyle="solid"
      borderColor="default1"
      borderRadius={3}
      padding={4}
      marginBottom={4}
      backgroundColor="default1"
    >
      {(title || actions) && (
        <Box display="flex" justifyContent="space-between" alignItems="center" marginBottom={3}>
          {title && (
            <Text size={5} fontWeight="bold">
              {title}
            </Text>
          )}
          {actions}
        </Box>
      )}
      {children}
    </Box>
  );
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return (
    <Box data-testid="error" role="alert" padding={2} marginBottom={2} backgroundColor="critical1" borderRadius={2}>
      <Text color="critical1">{error}</Text>
    </Box>
  );
}

export function SuccessNote({ message }) {
  if (!message) return null;
  return (
    <Box data-testid="success" role="status" padding={2} marginBottom={2} backgroundColor="success1" borderRadius={2}>
      <Text>{message}</Text>
    </Box>
  );
}

export function Notice({ children, testId = "notice" }) {
  return (
    <Box data-testid={testId} padding={3} marginBottom={3} backgroundColor="default2" borderRadius={2}>
      <Text>{children}</Text>
    </Box>
  );
}

// A screen whose API is not in this plugin version, or that the staff member may not use.
export function Unavailable({ field }) {
  return (
    <Notice testId="unavailable">
      This screen needs the API field <code>{field}</code>, which this version of the plugin does
      not offer yet.
    </Notice>
  );
}

export function NeedsPermission({ permission }) {
  return (
    <Notice testId="needs-permission">
      This screen needs the {permission} permission, which you (or the App) do not have.
    </Notice>
  );
}

export function Field({ label, value, onChange, testId, type = "text", ...rest }) {
  return (
    <Input
      label={label}
      value={value ?? ""}
      type={type}
      size="small"
      data-testid={testId}
      onChange={(event) => onChange(event.target.value)}
      {...rest}
    />
  );
}

export function Choice({ label, value, onChange, options, testId }) {
  return (
    <Box display="flex" flexDirection="column" gap={1}>
      <Text size={2} color="default2">
        {label}
      </Text>
      <select
        data-testid={testId}
        value={value ?? ""}
        onChange={(event) => onChange(event.target.value)}
        style={{ padding: "6px 8px", borderRadius: 4, border: "1px solid #ccc", font: "inherit" }}
      >
        {options.map((option) => {
          const [val, text] = Array.isArray(option) ? option : [option, option];
          return (
            <option key={val} value={val}>
              {text}
            </option>
          );
        })}
      </select>
    </Box>
  );
}

export function Table({ columns, rows, testId, rowTestId, empty = "Nothing here." }) {
  if (!rows.length) {
    return (
      <Box data-testid={testId}>
        <Text color="default2">{empty}</Text>
      </Box>
    );
  }
  return (
    <Box as="table" data-testid={testId} width="100%" style={{ borderCollapse: "collapse" }}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.key} style={{ textAlign: "left", padding: "6px 8px", borderBottom: "1px solid #ddd" }}>
              <Text size={2} fontWeight="bold">
                {c.title}
              </Text>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={row.id ?? index} data-testid={rowTestId} data-id={row.id}>
            {columns.map((c) => (
              <td key={c.key} style={{ padding: "6px 8px", borderBottom: "1px solid #eee", verticalAlign: "top" }}>
                {c.render ? c.render(row) : <Text size={3}>{String(row[c.key] ?? "")}</Text>}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </Box>
  );
}

export function Pager({ paged, testId = "pager" }) {
  const total = paged.page?.totalCount;
  return (
    <Box data-testid={testId} display="flex" gap={2} alignItems="center" marginTop={3}>
      <Button variant="secondary" size="small" disabled={!paged.previous} onClick={() => paged.previous?.()} data-testid="page-previous">
        Previous
      </Button>
      <Text size={2} data-testid="page-number">
        {!paged.loading ? `Page ${paged.pageNumber}${total != null ? ` · ${total} in all` : ""}` : "Loading…"}
      </Text>
      <Button variant="secondary" size="small" disabled={!paged.next} onClick={() => paged.next?.()} data-testid="page-next">
        Next
      </Button>
    </Box>
  );
}

export function money(value) {
  if (value == null) return "";
  if (typeof value === "object") return `${Number(value.amount).toFixed(2)} ${value.currency}`;
  return String(value);
}

export function when(value) {
  return value ? new Date(value).toLocaleString() : "";
}

export function ChannelPicker() {
  const { channels, channel, setChannel } = useConsole();
  if (!channels.length) return null;
  return (
    <Choice
      label="Channel"
      testId="channel"
      value={channel}
      onChange={setChannel}
      options={channels.map((c) => [c.slug, `${c.name} (${c.currencyCode})`])}
    />
  );
}

// A labelled value, for figures and details.
export function Figure({ label, value, testId }) {
  return (
    <Box display="flex" flexDirection="column" gap={0.5} data-testid={testId}>
      <Text size={2} color="default2">
        {label}
      </Text>
      <Text size={4} fontWeight="medium">
        {value}
      </Text>
    </Box>
  );
}

// Any value the API answered, shown readably (nested objects and lists included).
export function Value({ value }) {
  if (value == null) return <Text size={3}>—</Text>;
  if (Array.isArray(value)) {
    return (
      <Box display="flex" flexDirection="column" gap={1}>
        {value.map((v, i) => (
          <Value key={i} value={v} />
        ))}
      </Box>
    );
  }
  if (typeof value === "object") {
    if ("amount" in value && "currency" in value) return <Text size={3}>{money(value)}</Text>;
    return (
      <Box display="flex" flexDirection="column" gap={0.5} paddingLeft={2}>
        {Object.entries(value).map(([k, v]) => (
          <Box key={k} display="flex" gap={1}>
            <Text size={2} color="default2">
              {k}:
            </Text>
            <Value value={v} />
          </Box>
        ))}
      </Box>
    );
  }
  if (typeof value === "string" && /^https?:\/\//.test(value)) {
    return (
      <a href={value} target="_blank" rel="noreferrer noopener">
        {value}
      </a>
    );
  }
  return <Text size={3}>{String(value)}</Text>;
}
