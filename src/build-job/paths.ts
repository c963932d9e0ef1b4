/** Mount paths of the build pod: defined in the construct↔runner contract (src/contract/). */
export { BUILD_PATHS, GNUPG_DIR, ROLLBACK_FROM, SERVING_ROOT } from '../contract/paths';
