import json
import sys

from revgen_common.contracts.asyncapi import document

json.dump(document(), sys.stdout, indent=2, sort_keys=False)
sys.stdout.write("\n")
