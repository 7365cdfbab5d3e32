"""What the tests of every service share (imported as `revgen_testing.<module>`): Kafka reads
and writes, waiting for effects, the processes the crash tests kill, API and message fuzzing."""
