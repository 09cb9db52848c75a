/** The short scenario runs, part 2 of SCENARIO_FILES (see helpers/scenario-suite.ts). */
import { scenarioSuite } from './helpers/scenario-suite.ts';

scenarioSuite(1);
