import { describeCrossProcessSharing } from '@dmabuf/core/contract';
import { labSuite } from '@dmabuf/lab/suite';

// The consumer process loads the built package: both sides make the plugin from it.
const module = new URL('../dist/index.js', import.meta.url).pathname;

labSuite('udmabuf across processes (lab)', { needs: ['udmabuf'] }, () =>
  describeCrossProcessSharing('udmabuf', { module, factory: 'udmabufPlugin', expName: 'udmabuf' }),
);
