# Reference values from R: pROC (AUC, DeLong variance/CI, paired DeLong test), glmnet / cv.glmnet (elastic-net
# path, CV with the 1-SE rule), psych (ICC), rms (nomogram), and the Hosmer-Lemeshow test as
# ResourceSelection::hoslem.test 0.3-5 computes it. Usage: Rscript r_reference.R INPUTS.json OUTPUT.json
suppressPackageStartupMessages({ library(jsonlite); library(pROC); library(glmnet); library(psych); library(rms) })
args <- commandArgs(trailingOnly = TRUE)
inputs <- fromJSON(args[1], simplifyVector = TRUE)
out <- list(versions = list(R = R.version.string, pROC = as.character(packageVersion("pROC")),
                            glmnet = as.character(packageVersion("glmnet")), psych = as.character(packageVersion("psych")),
                            rms = as.character(packageVersion("rms"))))

# --- pROC: direction "<" (controls score lower), levels 0 = control, 1 = case ----------------------------------------
delong <- function(scores, labels) {
  r <- roc(labels, scores, levels = c(0, 1), direction = "<", quiet = TRUE)
  ci <- ci.auc(r, method = "delong")
  list(auc = as.numeric(auc(r)), variance = var(r, method = "delong"), ci = c(ci[1], ci[3]))
}
s <- inputs$scored
ra <- roc(s$labels, s$scoreA, levels = c(0, 1), direction = "<", quiet = TRUE)
rb <- roc(s$labels, s$scoreB, levels = c(0, 1), direction = "<", quiet = TRUE)
tst <- roc.test(ra, rb, method = "delong", paired = TRUE)
out$scored <- list(A = delong(s$scoreA, s$labels), B = delong(s$scoreB, s$labels),
                   test = list(z = unname(tst$statistic), p = tst$p.value))
h <- inputs$hanleyMcNeil
out$hanleyMcNeil <- delong(h$ratings, h$labels)
# pROC's bundled aSAH data (Robin et al. 2011, BMC Bioinformatics 12:77): s100b vs wfns.
data(aSAH)
ras <- roc(aSAH$outcome, aSAH$s100b, levels = c("Good", "Poor"), direction = "<", quiet = TRUE)
raw <- roc(aSAH$outcome, aSAH$wfns, levels = c("Good", "Poor"), direction = "<", quiet = TRUE)
tas <- roc.test(ras, raw, method = "delong", paired = TRUE)
out$aSAH <- list(outcome = as.integer(aSAH$outcome == "Poor"), s100b = aSAH$s100b, wfns = as.numeric(aSAH$wfns),
                 s100bAuc = as.numeric(auc(ras)), s100bCi = as.numeric(ci.auc(ras, method = "delong"))[c(1, 3)],
                 wfnsAuc = as.numeric(auc(raw)), test = list(z = unname(tas$statistic), p = tas$p.value))

# --- Hosmer-Lemeshow as ResourceSelection::hoslem.test (0.3-5), g = 10 -------------------------------------------------
hoslem <- function(x, y, g = 10) {
  qq <- unique(quantile(y, probs = seq(0, 1, 1 / g)))
  cutyhat <- cut(y, breaks = qq, include.lowest = TRUE)
  observed <- xtabs(cbind(y0 = 1 - x, y1 = x) ~ cutyhat)
  expected <- xtabs(cbind(yhat0 = 1 - y, yhat1 = y) ~ cutyhat)
  chisq <- sum((observed - expected)^2 / expected)
  list(statistic = chisq, df = g - 2, p = 1 - pchisq(chisq, g - 2), observedEvents = unname(observed[, 2]),
       expectedEvents = unname(expected[, 2]))
}
out$hosmerLemeshow <- hoslem(s$labels, s$probability, 10)

# --- glmnet path and cv.glmnet (standardize = TRUE, tight convergence, no early stop) ----------------------------------
glmnet.control(fdev = 0, devmax = 1)
g <- inputs$glmnet
x <- as.matrix(g$x)
y <- g$labels
paths <- list()
for (alpha in c(1, 0.5)) {
  fit <- glmnet(x, y, family = "binomial", alpha = alpha, nlambda = g$nLambda, lambda.min.ratio = g$lambdaMinRatio,
                standardize = TRUE, thresh = 1e-14, maxit = 1e7)
  co <- as.matrix(coef(fit))
  paths[[length(paths) + 1]] <- list(alpha = alpha, lambda = fit$lambda, intercept = unname(co[1, ]),
                                     coefficients = unname(t(co[-1, ])), devRatio = fit$dev.ratio)
}
out$glmnetPaths <- paths
cvs <- list()
for (measure in c("deviance", "auc")) {
  lam <- paths[[1]]$lambda
  cv <- cv.glmnet(x, y, family = "binomial", alpha = 1, lambda = lam, foldid = g$foldId + 1, type.measure = measure,
                  standardize = TRUE, thresh = 1e-14, maxit = 1e7)
  cvs[[measure]] <- list(lambda = cv$lambda, cvm = cv$cvm, cvsd = cv$cvsd, lambdaMin = cv$lambda.min, lambda1se = cv$lambda.1se)
}
out$cvGlmnet <- cvs
glmnet.control(factory = TRUE)

# --- psych::ICC: ICC3 (single fixed raters) on Shrout & Fleiss 1979 Table 2 -------------------------------------------
icc <- ICC(as.matrix(inputs$shroutFleiss), lmer = FALSE)$results
out$icc <- list(ICC1 = icc["Single_raters_absolute", "ICC"], ICC2 = icc["Single_random_raters", "ICC"],
                ICC3 = icc["Single_fixed_raters", "ICC"])

# --- rms: lrm fit and nomogram with explicit axis values ---------------------------------------------------------------
nm <- inputs$nomogram
d <- data.frame(nm$x); names(d) <- nm$names; d$y <- nm$labels
dd <- datadist(d); options(datadist = "dd")
f <- lrm(y ~ age + marker + volume, data = d)
av <- nm$axisValues
nom <- nomogram(f, age = av$age, marker = av$marker, volume = av$volume, fun = plogis, fun.at = nm$probabilities, lp = FALSE)
out$nomogram <- list(coefficients = unname(coef(f)),
                     points = list(age = nom$age$points, marker = nom$marker$points, volume = nom$volume$points),
                     probabilityAxis = list(probability = nom[[length(nom)]]$x.real, totalPoints = nom[[length(nom)]]$x))
write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), args[2])
