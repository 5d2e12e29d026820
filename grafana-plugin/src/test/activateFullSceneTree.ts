import { SceneQueryRunner, type SceneDeactivationHandler, type SceneObject } from '@grafana/scenes';

/**
 * Activates a scene and everything under it, variables first, as Grafana's own
 * dashboard-scene tests do (public/app/features/dashboard-scene/utils/test-utils.ts).
 */
export function activateFullSceneTree(scene: SceneObject): SceneDeactivationHandler {
  const handlers: SceneDeactivationHandler[] = [];
  if (scene.state.$variables) {
    handlers.push(activateFullSceneTree(scene.state.$variables));
  }
  scene.forEachChild((child) => {
    if (child instanceof SceneQueryRunner && !child.state.maxDataPoints) {
      child.setContainerWidth(500);
    }
    handlers.push(activateFullSceneTree(child));
  });
  handlers.unshift(scene.activate());
  return () => handlers.forEach((h) => h());
}
