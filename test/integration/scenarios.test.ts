/** The short run of every scenario, relayed (see helpers/scenario-suite.ts). */
import { scenarioSuite } from './helpers/scenario-suite.ts';

scenarioSuite();
