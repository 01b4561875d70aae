// The console is served by the plugin under its own route (API.md "Operator console"),
// built into the Python package so that `pip install` needs no node.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// macaw-ui's stylesheet declares 47 font files (Inter, Geist, Geist Mono, each weight);
// its text uses "Inter var" only. Keeping just those two keeps ~4 MB of fonts out of
// the Python package.
const onlyTheFontsInUse = {
  name: "only-the-fonts-in-use",
  enforce: "pre",
  transform(code, id) {
    if (!id.includes("@saleor/macaw-ui/dist/style.css")) return null;
    return code.replace(/@font-face\{[^}]*\}/g, (rule) => (rule.includes("font-family:Inter var") ? rule : ""));
  },
};

export default defineConfig({
  plugins: [react(), onlyTheFontsInUse],
  base: "/plugins/global/saleor_rewards/app/",
  build: {
    outDir: "../saleor_rewards/console_app/static",
    emptyOutDir: true,
    // Same sources, same files: test.sh compares the build with the committed one.
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
  },
});
