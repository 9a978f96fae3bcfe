/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv } from "vite";

export default defineConfig(({ mode }) => {
  // where `npm run dev` sends API calls: the gateway `crm up` started (CRM_GATEWAY_URL overrides)
  const gateway = loadEnv(mode, ".", "CRM_")["CRM_GATEWAY_URL"] ?? "http://127.0.0.1:8000";
  return {
    plugins: [react()],
    build: {
      assetsDir: "assets", // hashed names under /assets/: the gateway serves them as immutable
      sourcemap: false,
    },
    server: {
      proxy: { "/api": { target: gateway } },
    },
    test: {
      environment: "jsdom",
      include: ["src/**/*.test.{ts,tsx}"],
      setupFiles: ["src/test/setup.ts"],
    },
  };
});
