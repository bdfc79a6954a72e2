import { fileURLToPath } from 'node:url';

/** @ganbench/sweep/testing — study texts and a stand-in trial worker for tests; not part of the runtime API. */
export { BASE_STUDY, withSearch } from './studies.js';

/** Path of the stand-in for trialWorker.ts that "trains" by sleeping (see fakeTrialWorker.ts), for `runTrials`' workerModule. */
export const FAKE_TRIAL_WORKER = fileURLToPath(new URL('./fakeTrialWorker.ts', import.meta.url));
