// A small decode scenario of the traced tiny model (traces/tiny.trace: 32 FFN experts) for tests
// of layout and topology keys. Its lines are fixed, so tests can assert messages at line:col:
// line 4 holds the topology, line 5 `parallel:`, then the parallel lines as given.
export function tinyDecodeScenario(topology: string, parallel: string): string {
  return `name: small
model: traced
trace: traces/tiny.trace
${topology}
parallel:
${parallel}
workload:
  phase: decode
  sequencesPerGpu: 4
  contextTokens: 256
schedules: [serial]
`;
}
