import { assertBuilt, publishedPackages } from './packages.js';

/** Every test here uses the packages' dist/: fail at once when a build is missing. */
export default function setup(): void {
  assertBuilt(publishedPackages());
}
