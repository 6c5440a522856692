import { IsIn } from 'class-validator';
import { InvalidEnvironmentError, validateEnv } from './validate-env';

// ─────────────────────────────────────────────────────────────────────────────────────────────────
// CHAOS-ONLY PLANTED BUGS (issue 16). The reliability suite (`npm run chaos -- --plant <name>`)
// starts a service with one of these bugs switched on to prove that its checks can fail. A plant is
// armed only when WOZAMALI_PLANT names it AND WOZAMALI_CHAOS_PLANTS=i-am-the-chaos-suite, never in
// production; a service given WOZAMALI_PLANT without the flag (or in production) refuses to start.
// Nothing but chaos/platform.js sets these variables (start.sh and the tests never do).
// ─────────────────────────────────────────────────────────────────────────────────────────────────

export const PLANTS = ['void-hold-on-timeout', 'consumer-without-inbox', 'double-credit'] as const;
export type Plant = (typeof PLANTS)[number];
export const CHAOS_PLANTS_FLAG = 'i-am-the-chaos-suite';

class PlantEnv {
  @IsIn(['', ...PLANTS])
  WOZAMALI_PLANT = '';

  @IsIn(['', CHAOS_PLANTS_FLAG])
  WOZAMALI_CHAOS_PLANTS = '';

  @IsIn(['development', 'test', 'production'])
  NODE_ENV = 'development';
}

let armed: Plant | null = null;

/** At boot (runService): arms the planted bug the chaos suite asked for, or refuses to start. */
export function armPlant(env: NodeJS.ProcessEnv = process.env): Plant | null {
  const e = validateEnv(PlantEnv, env);
  armed = null;
  if (e.WOZAMALI_PLANT === '') return null;
  if (e.WOZAMALI_CHAOS_PLANTS !== CHAOS_PLANTS_FLAG) throw new InvalidEnvironmentError([`WOZAMALI_PLANT=${e.WOZAMALI_PLANT}: a planted bug is for the chaos suite only (WOZAMALI_CHAOS_PLANTS is not set)`]);
  if (e.NODE_ENV === 'production') throw new InvalidEnvironmentError([`WOZAMALI_PLANT=${e.WOZAMALI_PLANT}: never in production`]);
  armed = e.WOZAMALI_PLANT as Plant;
  return armed;
}

/** True only in a chaos run that planted this bug. */
export function planted(name: Plant): boolean {
  return armed === name;
}
