// The console is served by the plugin under its own route (API.md "Operator console"),
// built into the Python package so that `pip install` needs no node.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
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
