export * from "./compose.ts";
export * from "./container.ts";
export * from "./docker.ts";
export * from "./images.ts";
export * from "./pack.ts";
export * from "./tilt.ts";
export * from "./commands.ts";
export * from "./build-image.ts";
