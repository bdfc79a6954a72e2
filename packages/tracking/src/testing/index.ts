/** @ganbench/tracking/testing — an in-process MLflow tracking server for tests; not part of the runtime API. */
export {
  type FakeAuth,
  type FakeFault,
  FakeMlflowServer,
  FakeMlflowState,
  type FakeServerOptions,
  type Permission,
  type RecordedRequest,
} from './fakeMlflowServer.js';
