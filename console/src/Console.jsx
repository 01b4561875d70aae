// The console's frame: the Dashboard's token (App Bridge), the plugin's schema, the
// channels, and the screens.

import { useAppBridge } from "@saleor/app-sdk/app-bridge";
import { Box, Button, Text } from "@saleor/macaw-ui";
import React, { useEffect, useMemo, useState } from "react";

import {
  ConsoleContext,
  graphql,
  pageFromLocation,
  rewardsEndpoint,
  tokenPermissions,
  useSchemaLoader,
} from "./api.js";
import { ErrorNote, Notice } from "./components.jsx";
import { Affiliates } from "./screens/Affiliates.jsx";
import { Claims } from "./screens/Claims.jsx";
import { Liability } from "./screens/Liability.jsx";
import { Member, Members } from "./screens/Members.jsx";
import { Reviews } from "./screens/Reviews.jsx";
import { Settings } from "./screens/Settings.jsx";
import { Tiers } from "./screens/Tiers.jsx";
import { Withdrawals } from "./screens/Withdrawals.jsx";

export const SCREENS = [
  ["members", "Members", Members],
  ["reviews", "Reviews", Reviews],
  ["affiliates", "Affiliates", Affiliates],
  ["withdrawals", "Withdrawals", Withdrawals],
  ["claims", "Claims", Claims],
  ["tiers", "Tiers", Tiers],
  ["settings", "Program settings", Settings],
  ["liability", "Liability", Liability],
];

const CHANNELS = "{ channels { slug name currencyCode } }";

function initialRoute() {
  const params = new URLSearchParams(window.location.search);
  const page = pageFromLocation();
  if (page === "member") return { screen: "member", userId: params.get("customerId") };
  if (page === "order-claims") return { screen: "claims", orderId: params.get("orderId") };
  return { screen: SCREENS.some(([key]) => key === page) ? page : "members" };
}

// The App Bridge's state, read again on the events that change the token: the
// Dashboard may answer the bridge's "ready" before React subscribed, and it refreshes
// the token while the console is open.
function useBridgeState() {
  const { appBridge, appBridgeState } = useAppBridge();
  const [state, setState] = useState(null);
  useEffect(() => {
    if (!appBridge) return undefined;
    const update = () => setState({ ...appBridge.getState() });
    update();
    const unsubscribe = ["handshake", "tokenRefresh"].map((event) => appBridge.subscribe(event, update));
    return () => unsubscribe.forEach((off) => off());
  }, [appBridge]);
  return state?.token ? state : appBridgeState;
}

export function Console() {
  const bridge = useBridgeState();
  const token = bridge?.token;
  const saleorApiUrl = bridge?.saleorApiUrl || `${window.location.origin}/graphql/`;
  const { schema, error: schemaError } = useSchemaLoader(token);
  const [channels, setChannels] = useState([]);
  const [channel, setChannel] = useState(null);
  const [channelError, setChannelError] = useState(null);
  const [route, setRoute] = useState(initialRoute);

  useEffect(() => {
    if (!token) return;
    graphql(saleorApiUrl, token, CHANNELS)
      .then((data) => {
        setChannels(data.channels || []);
        setChannel((current) => current || data.channels?.[0]?.slug || null);
      })
      .catch((error) => setChannelError(error.message));
  }, [token, saleorApiUrl]);

  const context = useMemo(() => {
    const permissions = tokenPermissions(token);
    return {
      token,
      schema,
      channels,
      channel,
      setChannel,
      permissions,
      can: (permission) => permissions.includes(permission),
      rewards: (query, variables) => graphql(rewardsEndpoint(), token, query, variables),
      saleor: (query, variables) => graphql(saleorApiUrl, token, query, variables),
      navigate: setRoute,
      route,
    };
  }, [token, schema, channels, channel, saleorApiUrl, route]);

  if (!token) {
    return (
      <Box padding={6} data-testid="waiting">
        <Text>Waiting for the Saleor Dashboard… Open the console from the Dashboard (Apps → Rewards console).</Text>
      </Box>
    );
  }
  const active = SCREENS.find(([key]) => key === route.screen);
  const Screen = route.screen === "member" ? Member : active?.[2];
  return (
    <ConsoleContext.Provider value={context}>
      <Box display="flex" flexDirection="column" padding={4} gap={3} data-testid="console">
        <Box display="flex" gap={2} flexWrap="wrap" as="nav" data-testid="nav">
          {SCREENS.map(([key, label]) => (
            <Button
              key={key}
              size="small"
              variant={route.screen === key ? "primary" : "secondary"}
              data-testid={`nav-${key}`}
              onClick={() => setRoute({ screen: key })}
            >
              {label}
            </Button>
          ))}
        </Box>
        <ErrorNote error={schemaError && `The rewards API could not be read: ${schemaError}`} />
        <ErrorNote error={channelError && `Saleor's channels could not be read: ${channelError}`} />
        {!schema && !schemaError && <Notice testId="loading">Loading…</Notice>}
        {schema && Screen && <Screen key={`${route.screen}:${route.userId || ""}`} />}
      </Box>
    </ConsoleContext.Provider>
  );
}
