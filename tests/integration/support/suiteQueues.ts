// Set up before each integration test file (jest.config.js): task queues of the file's own, so that suites running
// side by side (tests/support/integrationRunner.cjs) never poll each other's queues. Jest gives every test file its own
// copy of process.env, and loadConfig() and the spawned workers read the queues from it.
import { randomBytes } from 'node:crypto';

const suite = `it-${randomBytes(4).toString('hex')}`;
process.env.OSTEOFLOW_TASK_QUEUE_PIPELINE = `${suite}-pipeline`;
process.env.OSTEOFLOW_TASK_QUEUE_SEGMENTATION = `${suite}-segmentation`;
process.env.OSTEOFLOW_TASK_QUEUE_TRAINING = `${suite}-training`;
