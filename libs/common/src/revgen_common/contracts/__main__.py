import json
import sys

from revgen_common.contracts import json_schemas

json.dump(json_schemas(), sys.stdout, indent=2, default=str)
sys.stdout.write("\n")
