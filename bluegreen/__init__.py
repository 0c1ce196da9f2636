"""bluegreen: blue-green releases of microservices on one EKS cluster, orchestrated by Step Functions."""
