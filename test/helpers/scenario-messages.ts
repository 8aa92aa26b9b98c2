// The `file:line:col: key: message` lines a scenario text is refused with ([] if it loads).
import { ConfigError, formatIssue } from '../../sim/core/errors.ts';
import { resolveScenarioText } from '../../sim/scenario/load.ts';

export async function scenarioMessages(text: string, file = 'bad.yaml'): Promise<string[]> {
  try {
    await resolveScenarioText(text, file);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}
