/**
 * EFT generation and scoring over Spark Datasets (Spark 4.2, Scala 2.13, JDK 25):
 * {@link io.github.eft4j.spark.EFTSpark} for Datasets, {@link io.github.eft4j.spark.EFTTransformer}
 * for Spark ML Pipelines, both configured by {@link io.github.eft4j.spark.EFTSparkConfig}. Models
 * load once per executor JVM and are shared by its tasks; see {@code docs/spark.md} for running
 * on a cluster.
 */
package io.github.eft4j.spark;
