import { describe, expect, it } from 'vitest';
import { matchSpecProblem } from './matchSpec';

// The examples of conda's MatchSpec documentation (conda/models/match_spec.py and the "Package match
// specifications" page), and the forms issue 22 lists.
const VALID = [
  'numpy',
  'numpy 1.8*',
  'numpy 1.8.1',
  'numpy >=1.8',
  'numpy >=1.8,<2',
  'numpy 1.8.1 py27_0',
  'numpy=1.8.1=py27_0',
  'numpy==1.26.0',
  'numpy!=1.0',
  'numpy~=1.2',
  'numpy>1.8,<2|==1.7',
  'numpy 1.8.*|1.9.*',
  'libdemo>=2',
  'pkg>=1,<2',
  'pkg=1.2=*_0',
  'python=3.11',
  'python 3.11.* *_cpython',
  'conda-forge::numpy',
  'conda-forge::numpy=1.26',
  'conda-forge/linux-64::numpy',
  '*/linux-64::numpy',
  'https://conda.anaconda.org/conda-forge::numpy',
  "numpy[version='>=1.8']",
  "pkg[version='>=1']",
  'numpy[build_number=3]',
  'numpy[md5=abc123]',
  "numpy[version='>=1.8,<2', build=*_0]",
  'numpy[channel=conda-forge,subdir=linux-64]',
  "defaults::python[version='>=3.8,<3.11', build=*_cpython]",
  'pytorch-cuda=12.1',
  'scikit-learn',
  'r-base>=4.3',
  '_libgcc_mutex',
  'python_abi 3.11.* *_cp311',
];

const INVALID: [string, RegExp][] = [
  ['', /empty/],
  ['   ', /empty/],
  ['-rf', /starts with "-"/],
  ['--override-channels', /starts with "-"/],
  ['numpy\n--yes', /control character/],
  ['numpy 1.8 py27_0 extra', /more than three/],
  ['numpy[version=1', /not closed/],
  ['numpy]', /without a "\["/],
  ['numpy[foo=bar]', /"foo" is not a MatchSpec key/],
  ['numpy[version]', /not a list of key=value pairs/],
  ['::numpy', /before "::" is not a channel/],
  ['>=1.2', /does not start with a package name/],
  ['num$py', /does not start with a package name|is not a version/],
  ['numpy>=1.8 >=2', /gives the version twice/],
  ['numpy 1.8;rm', /not a version expression/],
];

describe('conda MatchSpec', () => {
  it.each(VALID)('accepts %s', (spec) => expect(matchSpecProblem(spec)).toBeUndefined());
  it.each(INVALID)('refuses %j, saying why', (spec, why) => expect(matchSpecProblem(spec)).toMatch(why));
});
