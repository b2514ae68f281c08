"""Times PyRadiomics on one case, for bench/radiomics.ts: prints one JSON line.

usage: extract.py IMAGE MASK PARAMS.yaml RUNS
Each run is a full featureextractor.execute (read, checks, features); peak RSS is the process's.
"""

import json
import logging
import resource
import sys
import time

import radiomics
from radiomics import featureextractor


def main() -> None:
    image, mask, params, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    radiomics.setVerbosity(logging.ERROR)
    extractor = featureextractor.RadiomicsFeatureExtractor(params)
    times = []
    result = {}
    for _ in range(runs):
        start = time.perf_counter()
        result = extractor.execute(image, mask)
        times.append(time.perf_counter() - start)
    features = {k: float(v) for k, v in result.items() if not k.startswith("diagnostics_")}
    print(
        json.dumps(
            {
                "version": radiomics.__version__,
                "seconds": times,
                "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "features": features,
            }
        )
    )


if __name__ == "__main__":
    main()
