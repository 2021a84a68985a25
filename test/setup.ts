// Loaded by mocha before any spec (see .mocharc.json).
// Pulumi mocks are installed by the specs that need them (test/mocks.ts); nothing global here.
process.env.PULUMI_TEST_MODE = process.env.PULUMI_TEST_MODE ?? "true";
