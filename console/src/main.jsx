import "@saleor/macaw-ui/style";

import { AppBridge, AppBridgeProvider } from "@saleor/app-sdk/app-bridge";
import { ThemeProvider } from "@saleor/macaw-ui";
import React from "react";
import { createRoot } from "react-dom/client";

import { Console } from "./Console.jsx";

// One App Bridge for the page: it receives the Dashboard's token (handshake) and theme.
const appBridge = typeof window !== "undefined" ? new AppBridge() : undefined;

createRoot(document.getElementById("root")).render(
  <AppBridgeProvider appBridgeInstance={appBridge}>
    <ThemeProvider>
      <Console />
    </ThemeProvider>
  </AppBridgeProvider>,
);
