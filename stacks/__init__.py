"""The CDK app's stacks and constructs. A stack only composes constructs (stacks/constructs/)."""
