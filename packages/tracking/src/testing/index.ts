/** @ganbench/tracking/testing — an in-process MLflow tracking server for tests, and MLflow's own server where the machine has it; not part of the runtime API. */
export {
  type FakeAuth,
  type FakeFault,
  FakeMlflowServer,
  FakeMlflowState,
  type FakeServerOptions,
  type Permission,
  type RecordedRequest,
} from './fakeMlflowServer.js';
export {
  MLFLOW_SERVER_DIR,
  mlflowPythonEnv,
  type RealMlflowServer,
  realMlflowServerUnavailable,
  runMlflowPython,
  startRealMlflowServer,
} from './realMlflowServer.js';
