export * from "./lifecycle.ts";
export * from "./depserver.ts";
export * from "./http.ts";
export * from "./paths.ts";
export * from "./process.ts";
export * from "./reloadable.ts";
export * from "./sync.ts";
export * from "./user.ts";
