"""What a running process needs beside the features: the clock election, the scheduler,
logging, metrics, and an orderly stop."""
