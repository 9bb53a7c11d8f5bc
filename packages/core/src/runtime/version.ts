/** fusewire's version, sent to Langfuse as the SDK version. Kept equal to package.json by a test. */
export const SDK_VERSION = '0.1.0';
