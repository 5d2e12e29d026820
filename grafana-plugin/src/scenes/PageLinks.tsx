import React from 'react';
import { urlUtil } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import {
  SceneObjectBase,
  sceneGraph,
  sceneUtils,
  type SceneComponentProps,
  type SceneObject,
  type SceneObjectState,
} from '@grafana/scenes';
import { LinkButton, Stack } from '@grafana/ui';
import { NAV } from '../pages/nav';
import { prefixRoute } from '../utils/routing';
import { testIds } from '../components/testIds';

/**
 * Links to the app's other pages that carry this page's time range, refresh and variables
 * (its URL state), so that moving from page to page keeps what is being looked at.
 */
export class PageLinks extends SceneObjectBase<SceneObjectState> {
  static Component = PageLinksRenderer;

  /** The URL of a page with this scene's time range, refresh and variables. */
  public urlOf(route: string): string {
    let root: SceneObject = this;
    while (root.parent) {
      root = root.parent;
    }
    return urlUtil.renderUrl(prefixRoute(route), sceneUtils.getUrlState(root));
  }
}

function PageLinksRenderer({ model }: SceneComponentProps<PageLinks>) {
  // Re-rendered when the time range changes; a click reads the state afresh (variables included).
  sceneGraph.getTimeRange(model).useState();
  return (
    <Stack gap={1} data-testid={testIds.pageLinks}>
      {NAV.map((page) => (
        <LinkButton
          key={page.route}
          href={model.urlOf(page.route)}
          onClick={(e) => {
            e.preventDefault();
            locationService.push(model.urlOf(page.route));
          }}
          variant="secondary"
          fill="text"
          size="sm"
        >
          {page.title}
        </LinkButton>
      ))}
    </Stack>
  );
}
